// The express app on its own (no TLS, supertest): internal errors answered per --on-error, readiness,
// metrics, and namespace labels choosing the policy.
import assert from "node:assert/strict";
import { join } from "node:path";
import request from "supertest";
import { POLICY_LABEL, type NamespaceLabels } from "../src/policy/choose.js";
import type { Policy } from "../src/engine/types.js";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics, type Metrics } from "../src/metrics/metrics.js";
import { loadPolicies } from "../src/policy/load.js";
import { createApp, type AppDependencies } from "../src/server/app.js";
import { admissionReview, decodePatch, LogCapture, pod, SERVER_FIXTURES } from "./support/server-harness.js";

const POLICIES = loadPolicies([join(SERVER_FIXTURES, "policies")]).policies;

function build(over: Partial<AppDependencies> & { labels?: Record<string, NamespaceLabels> } = {}) {
  const logs = new LogCapture();
  const metrics: Metrics = createMetrics({ defaultMetrics: false });
  const { labels, ...rest } = over;
  const app = createApp({
    policies: () => POLICIES,
    namespaceLabels: async (ns) => (labels ? labels[ns] : undefined),
    readiness: () => ({ policies: true, tls: true }),
    logger: createLogger({ level: "debug", stream: logs.stream }),
    metrics,
    options: { defaultPolicy: "strict", onError: "deny" },
    ...rest,
  });
  return { app, logs, metrics };
}

async function metricValue(metrics: Metrics, line: RegExp): Promise<number> {
  const text = await metrics.registry.metrics();
  const match = line.exec(text);
  return match ? Number(match[1]) : 0;
}

describe("server app: internal errors", () => {
  const failing = (): readonly Policy[] => {
    throw new Error("policy store exploded");
  };

  it("answers a well-formed AdmissionReview that denies (default --on-error deny), logs and counts it", async () => {
    const { app, logs, metrics } = build({ policies: failing });
    const review = admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" });
    const res = await request(app).post("/mutate").send(review).expect(200);
    assert.equal(res.body.apiVersion, "admission.k8s.io/v1");
    assert.equal(res.body.kind, "AdmissionReview");
    assert.equal(res.body.response.uid, review.request.uid);
    assert.equal(res.body.response.allowed, false);
    assert.equal(res.body.response.status.code, 500);
    assert.match(res.body.response.status.message, /could not evaluate this request: policy store exploded/);
    const logged = logs.find("admission failed");
    assert.equal(logged.length, 1);
    assert.equal(logged[0].uid, review.request.uid);
    assert.equal(logged[0].level, "error");
    assert.equal(await metricValue(metrics, /^secure_defaults_errors_total\{type="internal"\} (\d+)$/m), 1);
    assert.equal(await metricValue(metrics, /^secure_defaults_admission_request_duration_seconds_count\{operation="CREATE",result="error",mutated="false"\} (\d+)$/m), 1);
  });

  it("allows unchanged, with a warning, under --on-error allow", async () => {
    const { app } = build({ policies: failing, options: { onError: "allow" } });
    const review = admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" });
    const res = await request(app).post("/mutate").send(review).expect(200);
    assert.equal(res.body.response.allowed, true);
    assert.equal(res.body.response.patch, undefined);
    assert.match(res.body.response.warnings[0], /could not evaluate/);
    assert.equal(res.body.response.auditAnnotations.error, "policy store exploded");
  });

  it("applies --on-error to a namespace the cache does not know", async () => {
    const { app } = build({
      namespaceLabels: () => Promise.reject(new Error('namespace "new" is not in the webhook\'s namespace cache (yet); retry shortly')),
    });
    const res = await request(app).post("/mutate").send(admissionReview({ object: pod("p", "new"), namespace: "new" })).expect(200);
    assert.equal(res.body.response.allowed, false);
    assert.match(res.body.response.status.message, /not in the webhook's namespace cache/);
  });

  it("passes ?timeout on to the namespace wait, leaving half of it for the answer", async () => {
    let waited = -1;
    const { app } = build({
      namespaceLabels: async (_ns, waitMs) => {
        waited = waitMs;
        return undefined;
      },
    });
    await request(app).post("/mutate?timeout=3s").send(admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" })).expect(200);
    assert.equal(waited, 1500);
    await request(app).post("/mutate?timeout=bogus").send(admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" })).expect(200);
    assert.equal(waited, 2000);
  });
});

describe("server app: the admission log line", () => {
  const { app, logs } = build();
  /** What every line here names: the request (never its object). */
  const naming = (uid: string) => ({ level: "info", message: "admission", uid, namespace: "strict-ns", name: "p", kind: "Pod", resource: "pods", user: "system:serviceaccount:kube-system:replicaset-controller" });

  it("names the request, the route, the policy and the answer (never the object)", async () => {
    const review = admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" });
    await request(app).post("/mutate").send(review).expect(200);
    assert.deepEqual(logs.requestLine("admission", review.request.uid), {
      ...naming(review.request.uid),
      operation: "CREATE",
      route: "pod-create",
      policy: "strict",
      allowed: true,
      patchOperations: 1,
    });
  });

  it("says dryRun and the subresource when the request has them, and no policy for a denial", async () => {
    const review = admissionReview({
      namespace: "strict-ns",
      operation: "UPDATE",
      subResource: "ephemeralcontainers",
      dryRun: true,
      object: pod("p", "strict-ns", { ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: { privileged: true } }] }),
      oldObject: pod("p", "strict-ns"),
    });
    const res = await request(app).post("/mutate").send(review).expect(200);
    assert.equal(res.body.response.allowed, false);
    assert.deepEqual(logs.requestLine("admission", review.request.uid), {
      ...naming(review.request.uid),
      subResource: "ephemeralcontainers",
      operation: "UPDATE",
      dryRun: true,
      route: "ephemeral-containers",
      allowed: false,
      patchOperations: 0,
    });
  });
});

describe("server app: /mutate is answered in one place, for every method", () => {
  const METHOD_NOT_ALLOWED = { kind: "Status", apiVersion: "v1", status: "Failure", code: 405, reason: "MethodNotAllowed", message: "/mutate accepts POST only" };

  it("answers 405 with Allow: POST to any other method", async () => {
    const { app } = build();
    for (const method of ["get", "put", "delete", "patch", "options"] as const) {
      const res = await request(app)[method]("/mutate").expect(405);
      assert.equal(res.headers.allow, "POST");
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      assert.deepEqual(res.body, METHOD_NOT_ALLOWED);
    }
  });

  it("matches the path as the express routes do: any case, an optional trailing slash, a query", async () => {
    const { app } = build();
    for (const path of ["/MUTATE", "/mutate/", "/mutate?timeout=10s"]) {
      const res = await request(app).post(path).send(admissionReview({ object: pod("p", "strict-ns"), namespace: "strict-ns" })).expect(200);
      assert.equal(res.body.kind, "AdmissionReview");
    }
    assert.deepEqual((await request(app).get("/Mutate/").expect(405)).body, METHOD_NOT_ALLOWED);
    await request(app).post("/mutatex").send({}).expect(404);
  });

  it("answers 404 for every method on the preview listener", async () => {
    const { app } = build({ options: { onError: "deny", routes: "preview" } });
    for (const method of ["post", "get"] as const) {
      const res = await request(app)[method]("/mutate").expect(404);
      assert.deepEqual(res.body, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code: 404,
        reason: "NotFound",
        message: `${method.toUpperCase()} /mutate is not served on this port: this listener serves POST /preview (--preview-port)`,
      });
    }
  });
});

describe("server app: namespace labels choose the policy", () => {
  const labels: Record<string, NamespaceLabels> = {
    "team-a": { "secure-defaults.io/enabled": "true", [POLICY_LABEL]: "lenient" },
    data: { "secure-defaults.io/enabled": "true", tier: "storage" },
    typo: { "secure-defaults.io/enabled": "true", [POLICY_LABEL]: "strcit" },
    plain: { "secure-defaults.io/enabled": "true" },
  };
  const { app } = build({ labels });
  const send = (namespace: string) => request(app).post("/mutate").send(admissionReview({ object: pod("p", namespace), namespace })).expect(200);

  it("uses the policy named by the namespace's secure-defaults.io/policy label", async () => {
    const res = await send("team-a");
    assert.equal(res.body.response.allowed, true);
    assert.equal(res.body.response.auditAnnotations.policy, "lenient");
    assert.equal(res.body.response.patch, undefined);
  });

  it("uses a policy whose namespaceSelector matches the labels", async () => {
    const res = await send("data");
    assert.equal(res.body.response.auditAnnotations.policy, "storage");
    assert.deepEqual(decodePatch(res.body.response), [{ op: "add", path: "/spec/securityContext/fsGroup", value: 2000 }]);
  });

  it("denies, saying so, when the label names a policy that does not exist", async () => {
    const res = await send("typo");
    assert.equal(res.body.response.allowed, false);
    assert.equal(res.body.response.status.code, 403);
    assert.match(res.body.response.status.message, /namespace "typo" is labelled secure-defaults.io\/policy=strcit, but no policy named "strcit" is loaded/);
  });

  it("falls back to --default-policy", async () => {
    const res = await send("plain");
    assert.equal(res.body.response.auditAnnotations.policy, "strict");
  });
});

describe("server app: health, readiness, metrics", () => {
  it("answers /healthz", async () => {
    const { app } = build();
    const res = await request(app).get("/healthz").expect(200);
    assert.equal(res.text, "ok\n");
  });

  it("reports readiness per check; 503 when one is false", async () => {
    let synced = false;
    const { app } = build({ readiness: () => ({ policies: true, tls: true, namespaces: synced }) });
    const before = await request(app).get("/readyz").expect(503);
    assert.deepEqual(before.body, { ready: false, checks: { policies: true, tls: true, namespaces: false } });
    synced = true;
    await request(app).get("/readyz").expect(200);
  });

  it("serves Prometheus metrics named secure_defaults_*, with the request histogram by operation, result and mutated", async () => {
    const { app } = build();
    await request(app).post("/mutate").send(admissionReview({ object: pod("a", "strict-ns"), namespace: "strict-ns" })).expect(200);
    const privileged = pod("b", "strict-ns", { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] });
    await request(app).post("/mutate").send(admissionReview({ object: privileged, namespace: "strict-ns" })).expect(200);
    const res = await request(app).get("/metrics").expect(200);
    assert.match(res.headers["content-type"], /^text\/plain; version=0.0.4/);
    assert.match(res.text, /^secure_defaults_admission_request_duration_seconds_count\{operation="CREATE",result="allowed",mutated="true"\} 1$/m);
    assert.match(res.text, /^secure_defaults_admission_request_duration_seconds_count\{operation="CREATE",result="denied",mutated="false"\} 1$/m);
    assert.match(res.text, /^secure_defaults_admission_denials_total\{operation="CREATE"\} 1$/m);
    for (const name of ["secure_defaults_policy_reloads_total", "secure_defaults_certificate_reloads_total", "secure_defaults_inflight_requests", "secure_defaults_errors_total"]) {
      assert.match(res.text, new RegExp(`^# TYPE ${name} `, "m"));
    }
    for (const [, name] of res.text.matchAll(/^# TYPE (\S+) /gm)) assert.ok(name.startsWith("secure_defaults_"), name);
  });

  it("includes the default process metrics", async () => {
    const { app } = build({ metrics: createMetrics() });
    const res = await request(app).get("/metrics").expect(200);
    assert.match(res.text, /^process_cpu_seconds_total /m);
    assert.match(res.text, /^nodejs_heap_size_used_bytes /m);
  });
});
