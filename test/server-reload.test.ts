// Policies and the serving certificate reload while requests keep coming: the files are swapped the way
// the kubelet updates ConfigMap and Secret volumes, a bad new version is refused and counted, and not one
// of the concurrent requests fails.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "../src/tls/certificates.js";
import { admissionReview, decodePatch, eventually, pod, removeDir, startHarness, tempDir, type Harness } from "./support/server-harness.js";
import { applyJsonPatch } from "./support/server-json-patch.js";
import { writeVolume } from "./support/server-volume.js";

const WORKERS = 8;

function policy(extra: string): string {
  return `apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata:
  name: reloading
spec:
  requiredDropCapabilities: [ALL]
  volumes: ["*"]
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
${extra}`;
}

const V1 = policy("");
const V2 = policy("  readOnlyRootFilesystem: true\n");
const BROKEN = policy("  runAsGroup: {rule: Sometimes}\n");

const CONTAINER_V1 = { runAsNonRoot: true, capabilities: { drop: ["ALL"] } };
const CONTAINER_V2 = { ...CONTAINER_V1, readOnlyRootFilesystem: true };

interface Load {
  total: number;
  failed: string[];
  stop(): Promise<void>;
}

/** Keeps WORKERS requests going until stopped; `check` classifies each answer and throws on a bad one. */
function keepRequesting(send: () => Promise<unknown>): Load {
  let running = true;
  const load: Load = { total: 0, failed: [], stop: async () => {} };
  const workers = Array.from({ length: WORKERS }, async () => {
    while (running) {
      load.total += 1;
      try {
        await send();
      } catch (error) {
        load.failed.push((error as Error).message);
      }
    }
  });
  load.stop = async () => {
    running = false;
    await Promise.all(workers);
  };
  return load;
}

/** Waits until `count` more requests have been answered (or failed) under load. */
async function moreRequests(load: Load, count: number): Promise<void> {
  const mark = load.total;
  await eventually(() => load.total >= mark + count, `${count} more requests`, 60_000);
}

async function metric(harness: Harness, pattern: RegExp): Promise<number> {
  const text = (await harness.client.request("/metrics")).text;
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe("server: policy reload under concurrent requests", () => {
  let harness: Harness;
  let dir: string;
  /** Which version each answer showed, per worker, in order. */
  const seen: string[][] = Array.from({ length: WORKERS }, () => []);

  before(async () => {
    dir = tempDir("sd-policies-");
    writeVolume(dir, { "reloading.yaml": V1 });
    harness = await startHarness({ policies: [dir], watch: { debounceMs: 20, pollMs: 200 } });
  });
  after(async () => {
    await harness?.close();
    removeDir(dir);
  });

  async function version(workerSeen?: string[]): Promise<string> {
    const object = pod("web", "any");
    const review = admissionReview({ object, namespace: "any" });
    const reply = await harness.client.request("/mutate?timeout=10s", review);
    if (reply.status !== 200) throw new Error(`status ${reply.status}: ${reply.text}`);
    const response = reply.json.response;
    if (response.uid !== review.request.uid || response.allowed !== true) throw new Error(`unexpected answer ${reply.text}`);
    const patched = applyJsonPatch(object, decodePatch(response)) as typeof object & { spec: { containers: { securityContext?: unknown }[] } };
    const sc = JSON.stringify(patched.spec.containers[0].securityContext);
    const v = sc === JSON.stringify(CONTAINER_V1) ? "v1" : sc === JSON.stringify(CONTAINER_V2) ? "v2" : `unexpected ${sc}`;
    if (v.startsWith("unexpected")) throw new Error(v);
    workerSeen?.push(v);
    return v;
  }

  it("swaps to a new version, refuses a broken one, recovers, and no request fails", async function () {
    this.timeout(60_000);
    assert.equal(await version(), "v1");
    let worker = 0;
    const load = keepRequesting(() => version(seen[worker++ % WORKERS]));

    await moreRequests(load, 100);
    // A new version, as the kubelet writes a ConfigMap update.
    writeVolume(dir, { "reloading.yaml": V2 });
    await eventually(async () => (await version()) === "v2", "the new policy to serve");
    await moreRequests(load, 100);

    // A broken version: refused, counted, logged; the last good set keeps serving.
    writeVolume(dir, { "reloading.yaml": BROKEN });
    await eventually(async () => (await metric(harness, /^secure_defaults_policy_reloads_total\{result="failure"\} (\d+)$/m)) >= 1, "the refused reload");
    await moreRequests(load, 100);
    for (let i = 0; i < 20; i++) assert.equal(await version(), "v2", "the last good policies keep serving");
    const refused = harness.logs.find("policy reload refused; the previous policies keep serving");
    assert.equal(refused.length, 1);
    assert.match(String(refused[0].error), /runAsGroup\.rule/);

    // Fixed again: served again.
    writeVolume(dir, { "reloading.yaml": V1 });
    await eventually(async () => (await version()) === "v1", "the fixed policy to serve");
    await moreRequests(load, 100);

    await load.stop();
    console.log(`      policy reload: ${load.total} requests during the reloads, ${load.failed.length} failed`);
    assert.deepEqual(load.failed, [], "no request may fail during a reload");
    assert.ok(load.total > WORKERS);
    assert.ok((await metric(harness, /^secure_defaults_policy_reloads_total\{result="success"\} (\d+)$/m)) >= 2);
    assert.equal(await metric(harness, /^secure_defaults_policies_loaded (\d+)$/m), 1);
  });

  it("picks up an edit of a plain file (no ConfigMap), too", async function () {
    this.timeout(30_000);
    const { writeFileSync, renameSync } = await import("node:fs");
    const plainDir = tempDir("sd-plain-");
    writeFileSync(join(plainDir, "p.yaml"), V1);
    const plain = await startHarness({ policies: [join(plainDir, "p.yaml")], watch: { debounceMs: 20, pollMs: 200 } });
    try {
      const versionOf = async () => {
        const object = pod("web", "any");
        const reply = await plain.client.request("/mutate", admissionReview({ object, namespace: "any" }));
        return (applyJsonPatch(object, decodePatch(reply.json.response)) as unknown as { spec: { containers: { securityContext: { readOnlyRootFilesystem?: boolean } }[] } }).spec.containers[0].securityContext.readOnlyRootFilesystem ? "v2" : "v1";
      };
      assert.equal(await versionOf(), "v1");
      writeFileSync(join(plainDir, "p.yaml.tmp"), V2);
      renameSync(join(plainDir, "p.yaml.tmp"), join(plainDir, "p.yaml"));
      await eventually(async () => (await versionOf()) === "v2", "the edited file to serve");
    } finally {
      await plain.close();
      removeDir(plainDir);
    }
  });

  it("each worker saw the versions in order (an atomic swap, never back and forth)", () => {
    for (const s of seen) {
      const changes = s.filter((v, i) => i > 0 && v !== s[i - 1]).length;
      assert.ok(changes <= 2, `v1 → v2 → v1 at most: ${s.join(",")}`);
    }
  });
});

describe("server: certificate reload under concurrent requests", () => {
  let harness: Harness;
  let secretDir: string;
  let ca: CertificateAndKey;

  async function leaf(): Promise<CertificateAndKey> {
    return issueServingCertificate(ca, { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], days: 2 });
  }
  const fingerprint = (pair: CertificateAndKey) => new X509Certificate(pair.certPem).fingerprint256;

  before(async () => {
    ca = await createCertificateAuthority({ commonName: "rotation test CA", days: 2 });
    secretDir = tempDir("sd-tls-");
    const first = await leaf();
    writeVolume(secretDir, { "tls.crt": first.certPem, "tls.key": first.keyPem, "ca.crt": ca.certPem });
    harness = await startHarness(
      { policies: [join(import.meta.dirname, "fixtures", "server", "policies")], defaultPolicy: "strict", tls: { certPath: join(secretDir, "tls.crt"), keyPath: join(secretDir, "tls.key") }, watch: { debounceMs: 20, pollMs: 200 } },
      ca,
    );
  });
  after(async () => {
    await harness?.close();
    removeDir(secretDir);
  });

  it("serves a rotated certificate on new connections without a restart or a failed request, and refuses a mismatched pair", async function () {
    this.timeout(60_000);
    const first = (await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate!.fingerprint256;

    const served = new Set<string>();
    const load = keepRequesting(async () => {
      // Half the workers open a new TLS connection per request (they see the rotation), half reuse theirs.
      const fresh = Math.random() < 0.5;
      const review = admissionReview({ object: pod("web", "strict-ns"), namespace: "strict-ns" });
      const reply = await harness.client.request("/mutate", review, { freshConnection: fresh });
      if (reply.status !== 200 || reply.json.response.uid !== review.request.uid || !reply.json.response.patch) throw new Error(`bad answer: ${reply.status} ${reply.text}`);
      if (fresh) served.add(reply.peerCertificate!.fingerprint256);
    });

    await moreRequests(load, 50);
    const second = await leaf();
    writeVolume(secretDir, { "tls.crt": second.certPem, "tls.key": second.keyPem, "ca.crt": ca.certPem });
    await eventually(async () => (await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate!.fingerprint256 === fingerprint(second), "the rotated certificate");
    await moreRequests(load, 100);

    // A certificate with somebody else's key: refused, counted, logged; the current pair keeps serving.
    const third = await leaf();
    const other = await leaf();
    writeVolume(secretDir, { "tls.crt": third.certPem, "tls.key": other.keyPem, "ca.crt": ca.certPem });
    await eventually(async () => (await metric(harness, /^secure_defaults_certificate_reloads_total\{result="failure"\} (\d+)$/m)) >= 1, "the refused certificate");
    assert.equal((await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate!.fingerprint256, fingerprint(second));
    await moreRequests(load, 50);
    assert.match(String(harness.logs.find("serving certificate reload refused; the previous certificate keeps serving")[0]?.error), /is not the private key of/);

    // And a good pair again.
    writeVolume(secretDir, { "tls.crt": third.certPem, "tls.key": third.keyPem, "ca.crt": ca.certPem });
    await eventually(async () => (await harness.client.request("/healthz", undefined, { freshConnection: true })).peerCertificate!.fingerprint256 === fingerprint(third), "the fixed certificate");
    await moreRequests(load, 100);

    await load.stop();
    console.log(`      certificate reload: ${load.total} requests during the rotations, ${load.failed.length} failed`);
    assert.deepEqual(load.failed, [], "no request may fail during a certificate rotation");
    assert.notEqual(first, fingerprint(second));
    assert.ok(served.size >= 1);
    assert.ok((await metric(harness, /^secure_defaults_certificate_reloads_total\{result="success"\} (\d+)$/m)) >= 2);
    const expiry = await metric(harness, /^secure_defaults_certificate_expiry_timestamp_seconds (\d+)$/m);
    assert.equal(expiry, Math.floor(Date.parse(new X509Certificate(third.certPem).validTo) / 1000));
  });
});
