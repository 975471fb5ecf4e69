// A fast subset of drill 3 (drills/faults.ts, `npm run drills`), in process: requests keep coming while a
// policy file is overwritten with garbage and restored, the policy folder is swapped the way a ConfigMap
// volume swaps `..data` (through a generation with one broken file), the serving certificate is rotated by
// a Secret-style swap, and the stub API server drops the namespace watch. Outcomes only: no failed
// request, every answer from a whole policy set, generations never going back.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigMapVolume } from "../drills/lib/configmap-volume.js";
import { servingFiles } from "../drills/lib/fault-webhook.js";
import { GenerationCheck, policyFiles, POLICY_LABEL, servedBy } from "../drills/lib/generations.js";
import { startTraffic, type Traffic } from "../drills/lib/traffic.js";
import { faultTraffic } from "../drills/faults.js";
import { createCertificateAuthority } from "../src/tls/certificates.js";
import { admissionReview, eventually, pod, removeDir, startHarness, tempDir, type Harness } from "./support/server-harness.js";
import { StubApiServer } from "./support/server-stub-apiserver.js";

describe("drills: faults under traffic (fast subset of drill 3)", function () {
  this.timeout(60_000);
  let harness: Harness;
  let stub: StubApiServer;
  let dir: string;
  let policies: ConfigMapVolume;
  let tls: ConfigMapVolume;
  let traffic: Traffic;
  const check = new GenerationCheck();
  let ca: Awaited<ReturnType<typeof createCertificateAuthority>>;

  before(async () => {
    dir = tempDir("sd-drills-");
    policies = new ConfigMapVolume(join(dir, "policies"));
    policies.update(policyFiles(1));
    ca = await createCertificateAuthority({ commonName: "drills test CA", days: 2 });
    tls = new ConfigMapVolume(join(dir, "tls"));
    tls.update(await servingFiles(ca));
    stub = new StubApiServer();
    await stub.start();
    stub.set("team-a", { [POLICY_LABEL]: "alpha" });
    stub.set("team-b", { [POLICY_LABEL]: "beta" });
    harness = await startHarness(
      {
        policies: [policies.dir],
        defaultPolicy: "restricted",
        tls: { certPath: join(tls.dir, "tls.crt"), keyPath: join(tls.dir, "tls.key") },
        cluster: { kubeconfig: stub.kubeconfig(dir) },
        namespaceRestartDelayMs: 20,
      },
      ca,
    );
    await eventually(async () => (await harness.client.request("/readyz")).status === 200, "ready");
    traffic = startTraffic({ host: "127.0.0.1", port: harness.webhook.address.port, ca: ca.certPem }, { ...faultTraffic(check, 100), connections: 4, reconnectMs: 500 });
  });
  after(async () => {
    await traffic?.stop();
    await harness?.close();
    await stub?.stop();
    if (dir) removeDir(dir);
  });

  const refusals = () => harness.logs.find("policy reload refused; the previous policies keep serving").length;
  const served = async (namespace: string) => servedBy((await harness.client.request("/mutate", admissionReview({ object: pod("p", namespace), namespace }), { freshConnection: true })).text);

  it("keeps the whole old set while a policy file holds garbage, and serves the restored file", async () => {
    const file = join(policies.current, "beta.yaml");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, "spec: [unclosed\n garbage: {");
    await eventually(() => refusals() === 1, "the garbage refused");
    assert.deepEqual(await served("team-b"), { policy: "beta", generation: 1 });
    writeFileSync(file, good);
    await eventually(() => harness.logs.find("policies reloaded").length === 1, "the restored file loaded");
    assert.deepEqual(await served("team-a"), { policy: "alpha", generation: 1 });
  });

  it("refuses a ..data generation with a broken file whole, then swaps to the next good one", async () => {
    policies.update({ ...policyFiles(2), "beta.yaml": "kind: PodSecurityPolicy\nspec: {privileged: maybe}\n" });
    await eventually(() => refusals() === 2, "generation 2 refused");
    assert.deepEqual(await served("team-a"), { policy: "alpha", generation: 1 });
    policies.update(policyFiles(3));
    await eventually(async () => (await served("team-a")).generation === 3, "generation 3 served");
    assert.deepEqual(await served("team-b"), { policy: "beta", generation: 3 });
  });

  it("serves a rotated certificate on new connections", async () => {
    const before = (await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate?.fingerprint256;
    tls.update(await servingFiles(ca));
    await eventually(async () => (await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate?.fingerprint256 !== before, "the new certificate");
  });

  it("relists after the watch is dropped (410 Gone), keeping the last known labels meanwhile", async () => {
    const lists = stub.requests.filter((r) => !r.watch).length;
    stub.watchStatus.push(410);
    stub.endWatches();
    stub.set("team-c", { [POLICY_LABEL]: "alpha" });
    assert.deepEqual(await served("team-b"), { policy: "beta", generation: 3 });
    await eventually(() => stub.requests.filter((r) => !r.watch).length > lists, "a relist");
    await eventually(async () => (await served("team-c")).policy === "alpha", "team-c served by alpha");
  });

  it("answered every request during all of it, each from a whole policy set, generations never going back", async () => {
    const stats = await traffic.stop();
    assert.ok(stats.sent > 0);
    assert.deepEqual(stats.samples, []);
    assert.equal(stats.failed, 0);
    assert.equal(stats.wellFormed, stats.sent);
    assert.deepEqual([...check.seen.keys()].sort(), [1, 3]);
  });
});
