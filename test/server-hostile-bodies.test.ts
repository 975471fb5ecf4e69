// Issue 14, defects 1 and 2: bodies a hostile client sent. Each one gets a well-formed answer naming the
// limit it is above: a 400 denial in an AdmissionReview on /mutate (the body is a valid review), a 400
// Status on /preview; a body nested deeper than MAX_JSON_DEPTH gets a 400 Status on both routes.
import assert from "node:assert/strict";
import { join } from "node:path";
import request from "supertest";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics } from "../src/metrics/metrics.js";
import { loadPolicies } from "../src/policy/load.js";
import { createApp } from "../src/server/app.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../src/server/request-body.js";
import { admissionReview, LogCapture, pod, SERVER_FIXTURES } from "./support/server-harness.js";

const POLICIES = loadPolicies([join(SERVER_FIXTURES, "policies")]).policies;

function app() {
  return createApp({
    policies: () => POLICIES,
    namespaceLabels: async () => undefined,
    readiness: () => ({ ok: true }),
    logger: createLogger({ level: "debug", stream: new LogCapture().stream }),
    metrics: createMetrics({ defaultMetrics: false }),
    options: { defaultPolicy: "strict", onError: "deny" },
  });
}

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `C${String(i).padStart(6, "0")}`);
}

function withCapabilities(list: "add" | "drop", n: number) {
  return pod("hostile", "strict-ns", { containers: [{ name: "app", image: "app:1", securityContext: { capabilities: { [list]: names(n) } } }] });
}

function withContainers(n: number) {
  return pod("hostile", "strict-ns", { containers: Array.from({ length: n }, (_, i) => ({ name: `c${i}` })) });
}

/** An object nested `depth` levels below the annotations: `{"a": {"a": ... {}}}`. */
function nested(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) node = { a: node };
  return node;
}

const LIST_LIMIT = (n: number, list: string) =>
  `pod "hostile" in namespace "strict-ns" cannot be evaluated: the Pod's capabilities, ports, volumeMounts, volumes, sysctls and supplementalGroups lists hold ${n} entries together ` +
  `(the largest, spec.containers[0].securityContext.capabilities.${list}, ${n}); secure-defaults judges at most 10000`;
const CONTAINER_LIMIT = "the Pod has 100000 containers (init, regular and ephemeral); secure-defaults judges at most 500";
const TOO_DEEP = "the request body nests objects and arrays more than 100 levels deep; secure-defaults accepts at most 100";

describe("server: hostile bodies get a bounded, well-formed answer (issue 14)", () => {
  const handler = app();

  for (const [list, n] of [["add", 40_000], ["add", 200_000], ["drop", 40_000], ["drop", 200_000]] as const) {
    it(`/mutate refuses ${n} capabilities in ${list} with a 400 denial naming the limit`, async () => {
      const review = admissionReview({ object: withCapabilities(list, n), namespace: "strict-ns" });
      const res = await request(handler).post("/mutate").send(review).expect(200);
      assert.deepEqual(res.body.response, {
        uid: review.request.uid,
        allowed: false,
        status: { status: "Failure", code: 400, reason: "BadRequest", message: LIST_LIMIT(n, list) },
      });
    });
  }

  it("/mutate refuses 100,000 containers with a 400 denial naming the limit", async () => {
    const review = admissionReview({ object: withContainers(100_000), namespace: "strict-ns" });
    const res = await request(handler).post("/mutate").send(review).expect(200);
    assert.equal(res.body.response.allowed, false);
    assert.deepEqual(res.body.response.status, {
      status: "Failure",
      code: 400,
      reason: "BadRequest",
      message: `pod "hostile" in namespace "strict-ns" cannot be evaluated: ${CONTAINER_LIMIT}`,
    });
  });

  it("/preview refuses 100,000 containers with a 400 naming the limit", async () => {
    const res = await request(handler).post("/preview").send({ object: withContainers(100_000) }).expect(400);
    assert.deepEqual(res.body, { kind: "Status", apiVersion: "v1", status: "Failure", code: 400, reason: "BadRequest", message: `cannot preview this object: ${CONTAINER_LIMIT}` });
  });

  it("/preview answers 400, not 500, for annotations nested 5,000 deep (and /mutate alike, on CREATE and UPDATE)", async () => {
    // Written by hand: JSON.stringify itself overflows the stack on 5,000 levels.
    const deep = `${'{"a":'.repeat(4999)}{}${"}".repeat(4999)}`;
    const object = { ...withContainers(1), metadata: { name: "hostile", namespace: "strict-ns", annotations: "DEEP" } };
    const text = (body: unknown) => JSON.stringify(body).replace('"DEEP"', deep);
    const post = (path: string, body: unknown) => request(handler).post(path).set("content-type", "application/json").send(text(body)).expect(400);
    const status = { kind: "Status", apiVersion: "v1", status: "Failure", code: 400, reason: "BadRequest", message: TOO_DEEP };
    assert.deepEqual((await post("/preview", { object })).body, status);
    assert.deepEqual((await post("/mutate", admissionReview({ object, namespace: "strict-ns" }))).body, status);
    assert.deepEqual((await post("/mutate", admissionReview({ object, oldObject: withContainers(1), operation: "UPDATE", namespace: "strict-ns" }))).body, status);
  });

  it("counts the depth of objects and arrays alike, up to MAX_JSON_DEPTH inclusive", () => {
    assert.equal(MAX_JSON_DEPTH, 100);
    assert.equal(nestedDeeperThan(nested(100), 100), false);
    assert.equal(nestedDeeperThan(nested(101), 100), true);
    assert.equal(nestedDeeperThan([[[1]]], 3), false);
    assert.equal(nestedDeeperThan([[[[]]]], 3), true);
    assert.equal(nestedDeeperThan("text", 0), false);
  });
});
