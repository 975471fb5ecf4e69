// The Deployment's container, played out locally: `secure-defaults serve` started with the
// Deployment's own args, its volume mounts recreated in a temporary directory (the policies in the
// kubelet's ConfigMap layout, the TLS Secret's files), then probed the way the kubelet and the API
// server will: HTTPS on the container port, the probe paths, the webhook's clientConfig path.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority, issueServingCertificate } from "../src/tls/certificates.js";
import { BASE_DIR, POLICIES_CONFIGMAP, REPO_ROOT, TLS_SECRET, flagValues, mountOf, only, render, webhookContainer, type K8sObject } from "./support/manifests-render.js";

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Writes files the way the kubelet projects a ConfigMap or Secret: a timestamped dir, ..data → it, and file → ..data/file. */
function projectVolume(dir: string, files: Record<string, string>): void {
  const version = "..2025_01_01_00_00_00.000000001";
  mkdirSync(join(dir, version), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, version, name), content);
  symlinkSync(version, join(dir, "..data"));
  for (const name of Object.keys(files)) symlinkSync(join("..data", name), join(dir, name));
}

interface Reply {
  status: number;
  body: string;
}

function https(port: number, ca: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: "127.0.0.1", port, method, path, ca, servername: "localhost", headers: payload ? { "content-type": "application/json" } : {}, timeout: 5000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(payload);
  });
}

describe("manifests: the Deployment's container runs `serve` as configured", function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;
  let stderr = "";
  let port: number;
  let caPem: string;
  let deployment: K8sObject;
  let exited: Promise<number | null>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sd-serve-"));
    const objects = render(BASE_DIR);
    deployment = only(objects, "Deployment");
    const container = webhookContainer(deployment);

    // Recreate the mounts under dir.
    const policiesMount = mountOf(deployment, (v) => v.configMap?.name === POLICIES_CONFIGMAP).mountPath;
    const tlsMount = mountOf(deployment, (v) => v.secret?.secretName === TLS_SECRET).mountPath;
    const configMap = only(objects, "ConfigMap", POLICIES_CONFIGMAP);
    projectVolume(join(dir, "policies"), configMap.data);
    const ca = await createCertificateAuthority({ days: 1 });
    const serving = await issueServingCertificate(ca, { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], days: 1 });
    caPem = ca.certPem;
    projectVolume(join(dir, "tls"), { "tls.crt": serving.certPem, "tls.key": serving.keyPem, "ca.crt": ca.certPem });

    // The Deployment's args, with the mount paths moved into dir and a free port. No shutdown
    // delay here: it only matters behind a Service.
    port = await freePort();
    const args = (container.args as string[]).map((a, i, all) => {
      if (all[i - 1] === "--port") return String(port);
      if (all[i - 1] === "--shutdown-delay") return "0";
      return a.replace(policiesMount, join(dir, "policies")).replace(tlsMount, join(dir, "tls"));
    });
    assert.deepEqual(flagValues(args, "--port"), [String(port)]);

    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SECURE_DEFAULTS_") && !k.startsWith("KUBERNETES_")));
    child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src", "cli", "main.ts"), "serve", ...args], {
      cwd: REPO_ROOT, // where tsx resolves
      env: { ...env, KUBECONFIG: join(dir, "no-kubeconfig") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (c: string) => (stderr += c));
    exited = new Promise((resolve) => child!.once("exit", (code) => resolve(code)));
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Polls the readiness probe until it answers 200 (or the server exits). */
  async function waitReady(path: string): Promise<Reply> {
    const deadline = Date.now() + 45_000;
    let lastError = "";
    while (Date.now() < deadline) {
      if (child!.exitCode !== null) assert.fail(`serve exited with ${child!.exitCode}: ${stderr}`);
      try {
        const reply = await https(port, caPem, "GET", path);
        if (reply.status === 200) return reply;
        lastError = `${reply.status} ${reply.body}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`not ready: ${lastError}\n${stderr}`);
  }

  it("accepts the Deployment's args, loads the mounted policies and becomes ready on the readiness probe's path", async () => {
    const probe = webhookContainer(deployment).readinessProbe.httpGet;
    await waitReady(probe.path);
  });

  /** Later cases need the server the first case started. */
  function assertRunning(): void {
    if (child!.exitCode !== null) assert.fail(`serve is not running (exit ${child!.exitCode}): ${stderr}`);
  }

  it("answers the liveness and startup probes over HTTPS with the mounted certificate", async () => {
    assertRunning();
    const c = webhookContainer(deployment);
    for (const probe of [c.livenessProbe, c.startupProbe].filter(Boolean)) {
      const reply = await https(port, caPem, "GET", probe.httpGet.path);
      assert.equal(reply.status, 200, `${probe.httpGet.path}: ${reply.body}`);
    }
  });

  it("answers an AdmissionReview on the webhook configuration's path, admitting its own Pod unchanged", async () => {
    assertRunning();
    const path = only(render(BASE_DIR), "MutatingWebhookConfiguration").webhooks[0].clientConfig.service.path;
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "self", namespace: "apps", labels: deployment.spec.template.metadata.labels }, spec: deployment.spec.template.spec };
    const uid = randomUUID();
    const review = {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid,
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        requestKind: { group: "", version: "v1", kind: "Pod" },
        requestResource: { group: "", version: "v1", resource: "pods" },
        name: "self",
        namespace: "apps",
        operation: "CREATE",
        userInfo: { username: "test" },
        object: pod,
        oldObject: null,
        dryRun: false,
        options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
      },
    };
    const reply = await https(port, caPem, "POST", path, review);
    assert.equal(reply.status, 200, reply.body);
    const body = JSON.parse(reply.body);
    assert.equal(body.apiVersion, "admission.k8s.io/v1");
    assert.equal(body.kind, "AdmissionReview");
    assert.equal(body.response.uid, uid);
    assert.equal(body.response.allowed, true, reply.body);
    assert.equal(body.response.patch, undefined, `no patch: ${body.response.patch ? Buffer.from(body.response.patch, "base64").toString() : ""}`);
  });

  it("stops gracefully on SIGTERM (what the kubelet sends), well within the grace period", async () => {
    assertRunning();
    child!.kill("SIGTERM");
    const code = await exited;
    assert.equal(code, 0, stderr);
  });
});
