// `preview --cluster --all-namespaces` against a stub API server serving 10,000 Pods (50 namespaces, 4
// Deployments of 50 Pods each per namespace) and their 200 Deployments: wall time of the whole command
// (process start, paginated lists, evaluation, output) and the time per Pod. Prints figures, asserts nothing.
// Usage: npm run build && node dist/bench/cluster-preview.js [PODS_PER_DEPLOYMENT]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StubWorkloadApiServer } from "../test/support/stub-workload-apiserver.js";

const NAMESPACES = 50;
const DEPLOYMENTS = 4;
const PODS = Number(process.argv[2] ?? 50);

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { serviceAccountName: app, securityContext: {}, containers: [{ name: app, image: `registry.example.com/${app}:1`, ports: [{ containerPort: 8080, protocol: "TCP" }] }] },
});

function fill(stub: StubWorkloadApiServer): number {
  let pods = 0;
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `team-${String(n).padStart(2, "0")}`;
    stub.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "kubernetes.io/metadata.name": namespace } } });
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const app = `app-${d}`;
      stub.add({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: app, namespace }, spec: { replicas: PODS, selector: { matchLabels: { app } }, template: template(app) } });
      for (let p = 0; p < PODS; p++) {
        const { metadata, spec } = template(app);
        stub.add({
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            ...metadata,
            name: `${app}-5d8f7c9b4-${String(p).padStart(5, "0")}`,
            namespace,
            labels: { app, "pod-template-hash": "5d8f7c9b4" },
            ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-5d8f7c9b4`, uid: `rs-${n}-${d}`, controller: true }],
          },
          spec: { ...spec, nodeName: `node-${p % 20}` },
          status: { phase: "Running" },
        });
        pods++;
      }
    }
  }
  return pods;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdoutBytes: number; stderr: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "../src/cli/main.js"), ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdoutBytes, stderr, ms: performance.now() - start }));
  });
}

const stub = new StubWorkloadApiServer();
const pods = fill(stub);
await stub.start();
const dir = mkdtempSync(join(tmpdir(), "sd-bench-cluster-"));
const kubeconfig = stub.kubeconfig(dir);
const policies = join(import.meta.dirname, "../../policies/restricted.yaml");
try {
  for (const output of ["table", "json"]) {
    const before = stub.requests.length;
    const run = await runCli(["preview", "--cluster", "-A", "--policies", policies, "-o", output], { KUBECONFIG: kubeconfig });
    const calls = stub.requests.length - before;
    process.stdout.write(
      `-o ${output}: ${pods} Pods + ${NAMESPACES * DEPLOYMENTS} Deployments in ${NAMESPACES} namespaces: exit ${run.status}, ${calls} API calls, ` +
        `${(run.stdoutBytes / 1e6).toFixed(1)} MB on stdout, wall ${(run.ms / 1000).toFixed(2)} s, ${((run.ms * 1000) / pods).toFixed(0)} µs per Pod\n`,
    );
    if (run.stderr) process.stdout.write(`  stderr:\n${run.stderr.trimEnd().replace(/^/gm, "    ")}\n`);
  }
} finally {
  await stub.stop();
  rmSync(dir, { recursive: true, force: true });
}
