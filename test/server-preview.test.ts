// POST /preview: one element of `secure-defaults preview -o json` plus the AdmissionResponse /mutate would
// send, for `{object, namespace?, operation?}` or a whole AdmissionReview; bad input is a 400.
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import request from "supertest";
import { evaluate } from "../src/engine/evaluate.js";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics } from "../src/metrics/metrics.js";
import { policyByName } from "../src/policy/bindings.js";
import { loadPolicies } from "../src/policy/load.js";
import { previewEntry } from "../src/preview/entry.js";
import { createApp } from "../src/server/app.js";
import { admissionReview, decodePatch, LogCapture, pod, SERVER_FIXTURES, startHarness } from "./support/server-harness.js";
import { applyJsonPatch } from "./support/server-json-patch.js";
import { assertValidPod } from "./support/pod-schema.js";

const POLICIES = loadPolicies([join(SERVER_FIXTURES, "policies")]).policies;
const STRICT = policyByName(POLICIES, "strict")!;
const DEFAULTED = { runAsNonRoot: true, capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false };

function app() {
  const metrics = createMetrics({ defaultMetrics: false });
  const logs = new LogCapture();
  const express = createApp({
    policies: () => POLICIES,
    namespaceLabels: async () => undefined,
    readiness: () => ({ ok: true }),
    logger: createLogger({ level: "debug", stream: logs.stream }),
    metrics,
    options: { defaultPolicy: "strict", onError: "deny" },
  });
  return { express, metrics, logs };
}

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "strict-ns" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "registry.example/app:1.0" }] } },
  },
};

describe("server: POST /preview", () => {
  const { express, metrics, logs } = app();

  it("previews a Pod: the CLI's JSON element for it, plus the AdmissionResponse /mutate would send", async () => {
    const object = pod("web", "strict-ns");
    const res = await request(express).post("/preview").send({ object }).expect(200);
    const { response, mode, ...entry } = res.body;
    assert.equal(mode, "enforce", "the mode in effect: enforce (no mode field, no label)");
    assert.equal(entry.kind, "Pod");
    assert.equal(entry.name, "web");
    assert.equal(entry.namespace, "strict-ns");
    assert.equal(entry.allowed, true);
    assert.equal(entry.policy, "strict");
    assert.deepEqual(entry.object.spec.containers[0].securityContext, DEFAULTED);
    assert.deepEqual(applyJsonPatch(object, entry.patch), entry.object);
    assert.equal(response.allowed, true);
    assert.match(response.uid, /^preview-/);
    assert.deepEqual(applyJsonPatch(object, decodePatch(response)), entry.object);
    assertValidPod(entry.object);
    assert.deepEqual(entry, previewEntry(object, "strict-ns", evaluate(object, [STRICT], { operation: "CREATE" })), "the same element as the CLI's");
  });

  it("judges a manifest with the API server's defaults, lists them, and never patches them (issue 10)", async () => {
    const object = pod("scratch", "strict-ns", { hostNetwork: false, volumes: [{ name: "scratch" }] });
    const res = await request(express).post("/preview").send({ object }).expect(200);
    const { response, ...entry } = res.body;
    assert.equal(entry.allowed, true, JSON.stringify(entry.violations));
    assert.deepEqual(entry.apiDefaults, [{ path: "spec.volumes[0].emptyDir", value: {}, message: 'volume "scratch" has no source: the API server makes it an emptyDir' }]);
    assert.deepEqual(entry.object.spec.volumes, [{ name: "scratch" }], "the printed object is the input as written plus the policy's changes");
    assert.deepEqual(entry.patch.filter((op: { path: string }) => op.path.startsWith("/spec/volumes")), []);
    assert.deepEqual(applyJsonPatch(object, entry.patch), entry.object);
    assert.equal(response.allowed, true);
  });

  it("logs one info line per preview with the request's fields, never the object", async () => {
    const fields = { level: "info", message: "preview", namespace: "strict-ns", kind: "Pod", resource: "pods", operation: "CREATE", dryRun: true };
    const allowed = await request(express).post("/preview").send({ object: pod("web", "strict-ns") }).expect(200);
    assert.equal(allowed.body.patch.length, 1);
    assert.deepEqual(logs.requestLine("preview", allowed.body.response.uid), { ...fields, uid: allowed.body.response.uid, name: "web", policy: "strict", allowed: true, patchOperations: 1 });
    const root = pod("root", "strict-ns", { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] });
    const denied = await request(express).post("/preview").send({ object: root }).expect(200);
    assert.deepEqual(logs.requestLine("preview", denied.body.response.uid), { ...fields, uid: denied.body.response.uid, name: "root", allowed: false, patchOperations: 0 });
  });

  it("uses the given namespace over the object's, and the given operation", async () => {
    const object = pod("web", "strict-ns");
    const lenient = await request(express).post("/preview").send({ object, namespace: "lenient-ns" }).expect(200);
    assert.equal(lenient.body.namespace, "lenient-ns");
    assert.equal(lenient.body.policy, "lenient");
    assert.deepEqual(lenient.body.patch, []);
    const update = await request(express).post("/preview").send({ object, operation: "UPDATE" }).expect(200);
    assert.equal(update.body.allowed, false, "an UPDATE is never patched, so a Pod lacking the defaults is denied");
    assert.equal(update.body.response.allowed, false);
    assert.match(update.body.violations[0].message, /a Pod cannot be changed on update/);
  });

  it("previews a workload's pod template; the webhook's own answer for the Deployment is unchanged", async () => {
    const res = await request(express).post("/preview").send({ object: deployment }).expect(200);
    assert.equal(res.body.kind, "Deployment");
    assert.equal(res.body.allowed, true);
    assert.equal(res.body.policy, "strict");
    assert.ok(res.body.patch.every((op: { path: string }) => op.path.startsWith("/spec/template/spec/")), JSON.stringify(res.body.patch));
    assert.deepEqual(res.body.object.spec.template.spec.containers[0].securityContext, DEFAULTED);
    assert.deepEqual(applyJsonPatch(deployment, res.body.patch), res.body.object);
    assert.deepEqual(res.body.response, { uid: res.body.response.uid, allowed: true });
  });

  it("accepts a whole AdmissionReview and answers what /mutate answers", async () => {
    const review = admissionReview({
      namespace: "strict-ns",
      operation: "UPDATE",
      subResource: "ephemeralcontainers",
      object: pod("web", "strict-ns", { ephemeralContainers: [{ name: "debug", image: "busybox" }] }),
      oldObject: pod("web", "strict-ns"),
    });
    const preview = await request(express).post("/preview").send(review).expect(200);
    const mutate = await request(express).post("/mutate").send(review).expect(200);
    assert.deepEqual(preview.body.response, mutate.body.response);
    assert.equal(preview.body.response.uid, review.request.uid);
    assert.deepEqual(preview.body.object.spec.ephemeralContainers[0].securityContext, DEFAULTED);
    assert.equal(preview.body.object.spec.containers[0].securityContext, undefined, "only the added ephemeral container is defaulted");
  });

  it("shows a denial with its violations", async () => {
    const object = pod("root", "strict-ns", { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] });
    const res = await request(express).post("/preview").send({ object }).expect(200);
    assert.equal(res.body.allowed, false);
    assert.equal(res.body.policy, null);
    assert.deepEqual(res.body.patch, []);
    assert.equal(res.body.violations[0].path, "spec.containers[0].securityContext.privileged");
    assert.match(res.body.violations[0].message, /^policy "strict" \(privileged\): /);
    assert.equal(res.body.response.status.code, 403);
  });

  const bad: [string, unknown, RegExp][] = [
    ["an unsupported kind", { object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} } }, /^cannot preview this object: kind ConfigMap is not supported \(supported: Pod, Deployment/],
    ["a Deployment without a template", { object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: {} } }, /^cannot preview this object: Deployment has no spec.template/],
    ["no object", { namespace: "x" }, /"object" must be a Kubernetes object/],
    ["an object without kind", { object: { metadata: {} } }, /"object" has no kind/],
    ["an unknown field", { object: pod("p", "n"), namspace: "x" }, /unknown field\(s\) "namspace"/],
    ["a bad operation", { object: pod("p", "n"), operation: "DELETE" }, /"operation" must be "CREATE" or "UPDATE"/],
    ["a non-string namespace", { object: pod("p", "n"), namespace: 7 }, /"namespace" must be a string/],
    ["an AdmissionReview of the wrong version", { ...admissionReview({ object: pod("p", "n") }), apiVersion: "admission.k8s.io/v1beta1" }, /apiVersion must be "admission.k8s.io\/v1"/],
    ["a DELETE AdmissionReview", admissionReview({ operation: "DELETE", oldObject: pod("p", "n") }), /the request has no object to preview/],
    ["a JSON array", [], /the body must be a JSON object/],
  ];
  for (const [what, body, message] of bad) {
    it(`answers 400 to ${what}`, async () => {
      const res = await request(express).post("/preview").send(body as object).expect(400);
      assert.equal(res.body.kind, "Status");
      assert.match(res.body.message, message);
    });
  }

  it("answers 400 to malformed JSON and an empty body", async () => {
    const res = await request(express).post("/preview").set("content-type", "application/json").send('{"object": ').expect(400);
    assert.match(res.body.message, /^the request body is not valid JSON: /);
    const empty = await request(express).post("/preview").expect(400);
    assert.deepEqual(empty.body, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: 400,
      reason: "BadRequest",
      message: 'the request body is empty: POST {"object", "namespace"?, "operation"?, "userInfo"?} or an AdmissionReview',
    });
  });

  const ACCEPTED = "secure-defaults reads only identity-encoded (uncompressed) UTF-8 JSON, which is what the API server sends";
  const unsupported: [string, Record<string, string>, Buffer, string][] = [
    ["Content-Encoding: gzip", { "content-type": "application/json", "content-encoding": "gzip" }, gzipSync(JSON.stringify({ object: pod("web", "strict-ns") })), `unsupported Content-Encoding "gzip": ${ACCEPTED}`],
    ["charset=latin1", { "content-type": "application/json; charset=latin1" }, Buffer.from(JSON.stringify({ object: pod("caf\u00e9", "strict-ns") }), "latin1"), `unsupported charset "latin1" in Content-Type "application/json; charset=latin1": ${ACCEPTED}`],
  ];
  for (const [what, headers, body, message] of unsupported) {
    it(`answers 415 to a body with ${what}, and keeps serving`, async () => {
      const res = await request(express).post("/preview").set(headers).send(body).expect(415);
      assert.deepEqual(res.body, { kind: "Status", apiVersion: "v1", status: "Failure", code: 415, reason: "UnsupportedMediaType", message });
      await request(express).post("/preview").send({ object: pod("web", "strict-ns") }).expect(200);
    });
  }

  it("has no side effects: the same input gives the same answer; no admission is counted", async () => {
    const body = { object: pod("web", "strict-ns") };
    const a = await request(express).post("/preview").send(body).expect(200);
    const b = await request(express).post("/preview").send(body).expect(200);
    const strip = (x: { response: { uid: string } }) => ({ ...x, response: { ...x.response, uid: "" } });
    assert.deepEqual(strip(a.body), strip(b.body));
    const text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /secure_defaults_admission_request_duration_seconds_count\{operation="CREATE",result="allowed"/);
    assert.ok(logs.find("preview").length > 0);
  });

  it("works over TLS against a running webhook, as from CI", async () => {
    const harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
    try {
      const reply = await harness.client.request("/preview", { object: deployment });
      assert.equal(reply.status, 200);
      assert.equal(reply.json.allowed, true);
      assert.equal(reply.json.policy, "strict");
      const unsupported = await harness.client.request("/preview", { object: { apiVersion: "v1", kind: "Service", metadata: { name: "s" } } });
      assert.equal(unsupported.status, 400);
    } finally {
      await harness.close();
    }
  });
});
