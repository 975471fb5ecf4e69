// The namespace cache against a stub API server (plain node:http, LIST + WATCH of namespaces; a
// kubeconfig pointing at it): namespace labels choose the policy, label changes arrive by watch, the
// request path never calls the API, and the watch recovers from cuts, 410 Gone and errors.
import assert from "node:assert/strict";
import { join } from "node:path";
import { POLICY_LABEL } from "../src/policy/choose.js";
import { inCluster } from "../src/cluster/in-cluster.js";
import { admissionReview, decodePatch, eventually, pod, removeDir, SERVER_FIXTURES, startHarness, tempDir, type Harness } from "./support/server-harness.js";
import { STUB_TOKEN, StubApiServer } from "./support/server-stub-apiserver.js";

const ENABLED = { "secure-defaults.io/enabled": "true" };

describe("cluster: namespace labels from a watch-backed cache", () => {
  let stub: StubApiServer;
  let harness: Harness;
  let dir: string;

  before(async () => {
    stub = new StubApiServer();
    stub.set("team-a", { ...ENABLED, [POLICY_LABEL]: "lenient" });
    stub.set("data", { ...ENABLED, tier: "storage" });
    stub.set("typo", { ...ENABLED, [POLICY_LABEL]: "strcit" });
    stub.set("plain", ENABLED);
    await stub.start();
    dir = tempDir("sd-kube-");
    harness = await startHarness({
      policies: [join(SERVER_FIXTURES, "policies")],
      defaultPolicy: "strict",
      cluster: { kubeconfig: stub.kubeconfig(dir) },
      namespaceWaitMs: 30_000,
      namespaceRestartDelayMs: 50,
    });
  });

  after(async () => {
    await harness?.close();
    await stub?.stop();
    removeDir(dir);
  });

  async function admit(namespace: string, path = "/mutate") {
    const object = pod("p", namespace);
    const reply = await harness.client.request(path, admissionReview({ object, namespace }));
    assert.equal(reply.status, 200, reply.text);
    return reply.json.response;
  }

  it("becomes ready once the namespaces are listed and watched", async () => {
    const ready = await eventually(async () => {
      const reply = await harness.client.request("/readyz");
      return reply.status === 200 ? reply.json : undefined;
    }, "readiness");
    assert.deepEqual(ready.checks, { policies: true, tls: true, namespaces: true, serving: true });
    assert.ok(stub.requests.some((r) => !r.watch), "listed");
    await eventually(() => stub.openWatches === 1, "the watch to be open");
    assert.equal(stub.requests[0].authorization, `Bearer ${STUB_TOKEN}`, "authenticates with the kubeconfig's credentials");
  });

  it("uses the policy named by the namespace label, a selector binding, the default, or denies a missing name", async () => {
    assert.equal((await admit("team-a")).auditAnnotations.policy, "lenient");
    const data = await admit("data");
    assert.equal(data.auditAnnotations.policy, "storage");
    assert.deepEqual(decodePatch(data), [{ op: "add", path: "/spec/securityContext/fsGroup", value: 2000 }]);
    assert.equal((await admit("plain")).auditAnnotations.policy, "strict");
    const typo = await admit("typo");
    assert.equal(typo.allowed, false);
    assert.match(typo.status.message, /labelled secure-defaults.io\/policy=strcit, but no policy named "strcit" is loaded/);
  });

  it("never calls the API on the request path", async () => {
    const before = stub.requests.length;
    for (let i = 0; i < 25; i++) await admit(["team-a", "data", "plain", "typo"][i % 4]);
    await harness.client.request("/preview", { object: pod("p", "data") });
    assert.equal(stub.requests.length, before);
  });

  it("sees label changes through the watch", async () => {
    stub.set("data", ENABLED);
    await eventually(async () => (await admit("data")).auditAnnotations.policy === "strict", "the label removal");
    stub.set("data", { ...ENABLED, [POLICY_LABEL]: "lenient" });
    await eventually(async () => (await admit("data")).auditAnnotations.policy === "lenient", "the policy label");
  });

  it("waits for a namespace created a moment ago instead of failing", async () => {
    const pending = admit("fresh");
    await eventually(() => harness.webhook.server.inFlight === 1, "the request to wait for the namespace");
    stub.set("fresh", { ...ENABLED, [POLICY_LABEL]: "lenient" });
    const response = await pending;
    assert.equal(response.allowed, true);
    assert.equal(response.auditAnnotations.policy, "lenient");
  });

  it("answers per --on-error when a namespace stays unknown, waiting at most half the API server's timeout", async () => {
    const response = await admit("never-created", "/mutate?timeout=200ms");
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 500);
    assert.match(response.status.message, /namespace "never-created" is not in the webhook's namespace cache \(yet\); retry shortly/);
  });

  it("resumes after the watch is cut, after 410 Gone (relist) and after an error (restart)", async () => {
    stub.endWatches();
    await eventually(() => stub.openWatches === 1, "the watch to reopen");
    stub.set("data", { ...ENABLED, tier: "storage" });
    await eventually(async () => (await admit("data")).auditAnnotations.policy === "storage", "a change after the cut");

    const lists = stub.requests.filter((r) => !r.watch).length;
    stub.watchStatus.push(410);
    stub.endWatches();
    await eventually(() => stub.requests.filter((r) => !r.watch).length > lists && stub.openWatches === 1, "a relist after 410");
    stub.set("data", ENABLED);
    await eventually(async () => (await admit("data")).auditAnnotations.policy === "strict", "a change after the relist");

    stub.watchStatus.push(500);
    stub.failLists = 1;
    stub.endWatches();
    await eventually(() => harness.logs.find("namespace watch failed; restarting").length >= 1, "the error to be logged");
    await eventually(() => stub.openWatches === 1, "the watch to be restarted");
    stub.set("data", { ...ENABLED, [POLICY_LABEL]: "lenient" });
    await eventually(async () => (await admit("data")).auditAnnotations.policy === "lenient", "a change after the restart");
    assert.equal((await harness.client.request("/readyz")).status, 200, "the cache keeps its content and stays ready across restarts");
  });

  it("never logs the kubeconfig's token", () => {
    assert.ok(!harness.logs.raw.some((l) => l.includes(STUB_TOKEN)));
  });
});

describe("cluster: readiness waits for the first sync", () => {
  it("is not ready while the API cannot list namespaces, then becomes ready", async () => {
    const stub = new StubApiServer();
    stub.set("ns", ENABLED);
    stub.failLists = 2;
    await stub.start();
    const dir = tempDir("sd-kube-");
    const harness = await startHarness({
      policies: [join(SERVER_FIXTURES, "policies")],
      defaultPolicy: "strict",
      cluster: { kubeconfig: stub.kubeconfig(dir) },
      namespaceRestartDelayMs: 50,
    });
    try {
      const first = await harness.client.request("/readyz");
      if (first.status === 503) assert.equal(first.json.checks.namespaces, false);
      await eventually(async () => (await harness.client.request("/readyz")).status === 200, "readiness after the API recovers");
      assert.ok(stub.requests.filter((r) => !r.watch).length >= 3, "listed again after the failures");
      assert.equal((await harness.client.request("/healthz")).status, 200);
    } finally {
      await harness.close();
      await stub.stop();
      removeDir(dir);
    }
  });
});

describe("cluster: in-cluster detection", () => {
  it("needs KUBERNETES_SERVICE_HOST and the service account token", () => {
    const token = (p: string) => p === "/var/run/secrets/kubernetes.io/serviceaccount/token";
    assert.equal(inCluster({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, token), true);
    assert.equal(inCluster({}, token), false);
    assert.equal(inCluster({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, () => false), false);
  });
});
