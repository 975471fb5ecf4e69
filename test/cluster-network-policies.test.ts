// The NetworkPolicy reconciler against the stub API server (namespaces LIST/WATCH, NetworkPolicies
// LIST, server-side apply PATCH, DELETE): opted-in namespaces get exactly their network default's
// objects, label changes and policy reloads update them, opt-out deletes only ours, a user's object with
// our name is left alone and reported, failing calls are retried and counted, a resync repairs drift.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ENABLED_LABEL, POLICY_LABEL } from "../src/policy/choose.js";
import { parseServeOptions } from "../src/cli/serve.js";
import { FIELD_MANAGER } from "../src/cluster/network-policy-reconciler.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { assertValidNetworkPolicy } from "./support/network-policy-schema.js";
import { eventually, removeDir, SERVER_FIXTURES, startHarness, tempDir, type Harness } from "./support/server-harness.js";
import { NetworkingStubApiServer, type StoredNetworkPolicy } from "./support/stub-networking-apiserver.js";

const NETWORK_FIXTURES = join(REPO_ROOT, "test", "fixtures", "network");
const ON = { [ENABLED_LABEL]: "true" };
const MANAGED = { "app.kubernetes.io/managed-by": "kube-secure-defaults" };

/** The expected objects of a fixture pair (written for namespace team-a), moved to `namespace`. */
function expected(fixture: string, namespace = "team-a"): { name: string; labels: unknown; annotations: unknown; spec: unknown }[] {
  const text = readFileSync(join(NETWORK_FIXTURES, fixture, "networkpolicies.yaml"), "utf8");
  return parseAllDocuments(text).map((d) => {
    const o = d.toJS();
    assert.equal(o.metadata.namespace, "team-a");
    return { name: o.metadata.name, labels: o.metadata.labels, annotations: o.metadata.annotations, spec: o.spec, namespace };
  }).map(({ namespace: _ns, ...rest }) => rest);
}

function stored(objects: StoredNetworkPolicy[]) {
  return objects.map((o) => ({ name: o.metadata.name, labels: o.metadata.labels, annotations: o.metadata.annotations, spec: o.spec }));
}

async function metric(harness: Harness, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await harness.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  const value = found.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("cluster: NetworkPolicies of the network default", () => {
  let stub: NetworkingStubApiServer;
  let harness: Harness;
  let dir: string;
  let policyDir: string;
  const inNamespace = (ns: string) => stub.all().filter((o) => o.metadata.namespace === ns);

  before(async () => {
    dir = tempDir("sd-netpol-");
    policyDir = join(dir, "policies");
    mkdirSync(policyDir);
    for (const name of ["both-with-extra-rules", "egress-all-except-cloud-metadata", "egress-dns"]) {
      copyFileSync(join(NETWORK_FIXTURES, name, "policy.yaml"), join(policyDir, `${name}.yaml`));
    }
    copyFileSync(join(SERVER_FIXTURES, "policies", "lenient.yaml"), join(policyDir, "lenient.yaml"));
    stub = new NetworkingStubApiServer();
    stub.core.set("team-a", { ...ON, [POLICY_LABEL]: "both-with-extra-rules" });
    stub.core.set("no-network", { ...ON, [POLICY_LABEL]: "lenient" });
    stub.core.set("not-opted-in", { [POLICY_LABEL]: "both-with-extra-rules" });
    stub.core.set("kube-system", { ...ON, [POLICY_LABEL]: "both-with-extra-rules" });
    await stub.start();
    harness = await startHarness({
      policies: [policyDir],
      cluster: { kubeconfig: stub.kubeconfig(dir) },
      namespaceRestartDelayMs: 50,
      networkResyncMs: 300,
      networkRetryDelayMs: 10,
    });
  });

  after(async () => {
    await harness?.close();
    await stub?.stop();
    removeDir(dir);
  });

  it("gives an opted-in namespace exactly its network default's objects, by server-side apply", async () => {
    await eventually(() => inNamespace("team-a").length === 2, "team-a's NetworkPolicies");
    await harness.webhook.networkPolicies!.idle();
    assert.deepEqual(stored(inNamespace("team-a")), expected("both-with-extra-rules").sort((a, b) => (a.name < b.name ? -1 : 1)));
    const applies = stub.requests.filter((r) => r.method === "PATCH");
    assert.deepEqual(
      applies.map((r) => [r.path, r.contentType, r.query]),
      ["secure-defaults-ingress", "secure-defaults-egress"].map((name) => [
        `/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/${name}`,
        "application/apply-patch+yaml",
        { fieldManager: FIELD_MANAGER, force: "true" },
      ]),
    );
    for (const r of applies) assertValidNetworkPolicy(r.body);
    assert.deepEqual(inNamespace("team-a").map((o) => o.metadata.managers), [[FIELD_MANAGER], [FIELD_MANAGER]]);
    assert.equal(await metric(harness, "secure_defaults_network_policies_applied_total"), 2);
  });

  it("leaves namespaces alone that are not opted in, whose policy declares no network default, or kube-system even when labelled", async () => {
    await eventually(async () => (await metric(harness, "secure_defaults_network_policy_last_sync_timestamp_seconds")) > 0, "a full sync");
    assert.deepEqual(inNamespace("not-opted-in"), []);
    assert.deepEqual(inNamespace("no-network"), []);
    assert.deepEqual(inNamespace("kube-system"), []);
    assert.ok(!stub.requests.some((r) => r.path.includes("/namespaces/not-opted-in/")), "not even listed");
  });

  it("does not apply again what is already there: a resync with nothing to do is one cluster-wide LIST", async () => {
    const before = stub.requests.length;
    await eventually(() => stub.requests.slice(before).filter((r) => r.path === "/apis/networking.k8s.io/v1/networkpolicies").length >= 3, "three resyncs");
    await harness.webhook.networkPolicies!.idle();
    const during = stub.requests.slice(before);
    assert.deepEqual(new Set(during.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`)), new Set(['GET /apis/networking.k8s.io/v1/networkpolicies {"labelSelector":"app.kubernetes.io/managed-by=kube-secure-defaults"}']));
    assert.equal(await metric(harness, "secure_defaults_network_policies_applied_total"), 2);
  });

  it("follows a label change to another policy: updates the one it keeps, deletes the one it drops", async () => {
    const egressUid = stub.get("team-a", "secure-defaults-egress")!.metadata.uid;
    stub.core.set("team-a", { ...ON, [POLICY_LABEL]: "egress-all-except-cloud-metadata" });
    await eventually(() => inNamespace("team-a").length === 1 && inNamespace("team-a")[0].spec !== undefined && JSON.stringify(inNamespace("team-a")[0].spec).includes("169.254.169.254"), "the new egress policy");
    assert.deepEqual(stored(inNamespace("team-a")), expected("egress-all-except-cloud-metadata"));
    assert.equal(stub.get("team-a", "secure-defaults-egress")!.metadata.uid, egressUid, "updated in place, not recreated");
    const deletes = stub.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), ["/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/secure-defaults-ingress"]);
    assert.deepEqual(Object.keys((deletes[0].body as { preconditions: object }).preconditions).sort(), ["resourceVersion", "uid"]);
  });

  it("on opt-out deletes only ours: user NetworkPolicies stay, even one with our label but another name", async () => {
    const user = stub.putUserPolicy("team-a", "allow-web", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
    const decoy = stub.putUserPolicy("team-a", "copied-from-ours", { podSelector: {}, policyTypes: ["Egress"] }, MANAGED);
    stub.core.set("team-a", { [POLICY_LABEL]: "egress-all-except-cloud-metadata" });
    await eventually(() => !stub.get("team-a", "secure-defaults-egress"), "our egress policy to go");
    await harness.webhook.networkPolicies!.idle();
    assert.deepEqual(inNamespace("team-a"), [decoy, user].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)));
    assert.equal(await metric(harness, "secure_defaults_network_policies_deleted_total"), 2);
  });

  it("leaves a user's NetworkPolicy with our name alone and reports it", async () => {
    const theirs = stub.putUserPolicy("team-b", "secure-defaults-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
    stub.core.set("team-b", { ...ON, [POLICY_LABEL]: "both-with-extra-rules" });
    await eventually(() => stub.get("team-b", "secure-defaults-egress"), "team-b's egress policy");
    await eventually(async () => (await metric(harness, "secure_defaults_network_policy_conflicts")) === 1, "the conflict metric");
    assert.deepEqual(stub.get("team-b", "secure-defaults-ingress"), theirs, "untouched");
    assert.deepEqual(harness.webhook.networkPolicies!.conflicts(), [{ namespace: "team-b", name: "secure-defaults-ingress" }]);
    const reported = harness.logs.find("a NetworkPolicy that is not ours has our name; left alone, the network default is not applied");
    assert.deepEqual(reported.map((l) => [l.level, l.namespace, l.name]), [["warn", "team-b", "secure-defaults-ingress"]], "reported once, not at every resync");
    assert.ok(!stub.requests.some((r) => r.method !== "GET" && r.path.endsWith("/team-b/networkpolicies/secure-defaults-ingress")));

    stub.remove("team-b", "secure-defaults-ingress");
    await eventually(() => stub.get("team-b", "secure-defaults-ingress")?.metadata.labels, "ours, once theirs is gone (next resync)");
    assert.deepEqual(harness.webhook.networkPolicies!.conflicts(), []);
    assert.equal(await metric(harness, "secure_defaults_network_policy_conflicts"), 0);
  });

  it("forgets a conflict when the namespace no longer wants the name", async () => {
    const theirs = stub.putUserPolicy("team-d", "secure-defaults-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
    stub.core.set("team-d", { ...ON, [POLICY_LABEL]: "both-with-extra-rules" });
    await eventually(() => harness.webhook.networkPolicies!.conflicts().some((c) => c.namespace === "team-d"), "the conflict");
    stub.core.set("team-d", { ...ON, [POLICY_LABEL]: "egress-dns" });
    await eventually(() => !harness.webhook.networkPolicies!.conflicts().some((c) => c.namespace === "team-d"), "the conflict to be forgotten");
    await harness.webhook.networkPolicies!.idle();
    assert.equal(await metric(harness, "secure_defaults_network_policy_conflicts"), 0);
    assert.deepEqual(stub.get("team-d", "secure-defaults-ingress"), theirs, "still untouched");
    stub.core.set("team-d", {});
    await eventually(() => !stub.get("team-d", "secure-defaults-egress"), "ours gone on opt-out");
    assert.deepEqual(inNamespace("team-d"), [theirs]);
  });

  it("retries a failing API call and counts every failed attempt", async () => {
    const applyErrors = await metric(harness, "secure_defaults_network_policy_errors_total", { operation: "apply" });
    stub.failNext("PATCH", 500, 2);
    stub.core.set("team-c", { ...ON, [POLICY_LABEL]: "egress-dns" });
    await eventually(() => stub.get("team-c", "secure-defaults-egress"), "team-c's egress policy despite two failures");
    assert.deepEqual(stored(inNamespace("team-c")), expected("egress-dns"));
    assert.equal(await metric(harness, "secure_defaults_network_policy_errors_total", { operation: "apply" }), applyErrors + 2);
    const warned = harness.logs.find("NetworkPolicy API call failed; retrying").filter((l) => l.namespace === "team-c");
    assert.deepEqual(warned.map((l) => [l.operation, l.attempt, l.status]), [["apply", 1, 500], ["apply", 2, 500]]);
  });

  it("does not retry what cannot heal (403), counts it, and tries again at the next resync", async () => {
    const listErrors = await metric(harness, "secure_defaults_network_policy_errors_total", { operation: "list" });
    stub.failNext("GET", 403, 1);
    stub.remove("team-c", "secure-defaults-egress");
    await eventually(() => stub.get("team-c", "secure-defaults-egress"), "recreated by a later resync");
    assert.equal(await metric(harness, "secure_defaults_network_policy_errors_total", { operation: "list" }), listErrors + 1);
  });

  it("applies a reloaded policy to the namespaces that use it", async () => {
    const file = join(policyDir, "egress-dns.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("egress: dns", "egress: deny-all"));
    harness.webhook.policies.checkNow();
    await eventually(() => stub.get("team-c", "secure-defaults-egress")?.spec && !("egress" in (stub.get("team-c", "secure-defaults-egress")!.spec as object)), "team-c's egress to deny all");
    assert.deepEqual(stub.get("team-c", "secure-defaults-egress")!.spec, { podSelector: {}, policyTypes: ["Egress"] });
  });
});

describe("cluster: NetworkPolicies switched off or without a cluster", () => {
  let dir: string;
  before(() => (dir = tempDir("sd-netpol-off-")));
  after(() => removeDir(dir));

  it("--network-policies=off: no NetworkPolicy call at all, and the start-up log says so", async () => {
    const stub = new NetworkingStubApiServer();
    stub.core.set("team-a", { ...ON, [POLICY_LABEL]: "both-with-extra-rules" });
    await stub.start();
    const harness = await startHarness({
      policies: [join(NETWORK_FIXTURES, "both-with-extra-rules", "policy.yaml")],
      cluster: { kubeconfig: stub.kubeconfig(dir) },
      networkPolicies: false,
    });
    try {
      await eventually(() => harness.webhook.namespaces?.synced, "the namespace cache");
      assert.equal(harness.webhook.networkPolicies, undefined);
      assert.deepEqual(stub.requests, []);
      assert.deepEqual(harness.logs.find("network defaults: off (--network-policies=off)").length, 1);
    } finally {
      await harness.close();
      await stub.stop();
    }
  });

  it("without a cluster does nothing and says so at start-up", async () => {
    const harness = await startHarness({ policies: [join(NETWORK_FIXTURES, "both-with-extra-rules", "policy.yaml")] });
    try {
      assert.equal(harness.webhook.networkPolicies, undefined);
      assert.deepEqual(harness.logs.find("network defaults: off (no cluster: no --kubeconfig and not in a Pod)").map((l) => l.level), ["info"]);
    } finally {
      await harness.close();
    }
  });

  it("serve reads --network-policies on|off (and SECURE_DEFAULTS_NETWORK_POLICIES); on by default", () => {
    const options = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseServeOptions(["--policies", "p", ...argv], env) as { networkPolicies?: boolean };
    assert.equal(options([]).networkPolicies, true);
    assert.equal(options(["--network-policies=off"]).networkPolicies, false);
    assert.equal(options([], { SECURE_DEFAULTS_NETWORK_POLICIES: "off" }).networkPolicies, false);
    assert.equal(options(["--network-policies", "on"], { SECURE_DEFAULTS_NETWORK_POLICIES: "off" }).networkPolicies, true);
    assert.throws(() => options(["--network-policies=no"]), /--network-policies must be "on" or "off", got "no"/);
  });
});
