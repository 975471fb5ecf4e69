// Measures the NetworkPolicy reconciler against the stub API server (test/support): N opted-in
// namespaces, the first sync (2 NetworkPolicies each), then a resync with nothing to change, then a
// policy change that touches every namespace. Prints figures; asserts nothing.
//   npx tsx bench/network-policies.ts [N]   (default 1000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENABLED_LABEL, POLICY_LABEL } from "../src/policy/choose.js";
import { kubeConfigFrom, NamespaceCache } from "../src/cluster/namespace-cache.js";
import { NetworkPolicyReconciler } from "../src/cluster/network-policy-reconciler.js";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics } from "../src/metrics/metrics.js";
import { createNetworkPolicyMetrics } from "../src/metrics/network-policy-metrics.js";
import { loadPolicies } from "../src/policy/load.js";
import { NetworkingStubApiServer } from "../test/support/stub-networking-apiserver.js";

const count = Number(process.argv[2] ?? 1000);
const fixtures = join(import.meta.dirname, "..", "test", "fixtures", "network");
let policies = loadPolicies([join(fixtures, "both-with-extra-rules", "policy.yaml"), join(fixtures, "egress-dns", "policy.yaml")]).policies;

const dir = mkdtempSync(join(tmpdir(), "sd-bench-netpol-"));
const stub = new NetworkingStubApiServer();
for (let i = 0; i < count; i++) stub.core.set(`ns-${i}`, { [ENABLED_LABEL]: "true", [POLICY_LABEL]: "both-with-extra-rules" });
await stub.start();
const kubeConfig = kubeConfigFrom({ kubeconfig: stub.kubeconfig(dir) });
const logger = createLogger({ level: "error" });
const namespaces = new NamespaceCache({ kubeConfig, logger });
await namespaces.start();
const reconciler = new NetworkPolicyReconciler({
  kubeConfig,
  namespaces,
  policies: () => policies,
  logger,
  metrics: createNetworkPolicyMetrics(createMetrics({ defaultMetrics: false }).registry),
  resyncMs: 3_600_000,
});

async function phase(name: string, run: () => void): Promise<void> {
  const before = stub.requests.length;
  const start = process.hrtime.bigint();
  run();
  await reconciler.idle();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const calls = stub.requests.slice(before);
  const by = (m: string) => calls.filter((r) => r.method === m).length;
  console.log(`${name}: ${ms.toFixed(0)} ms, ${calls.length} API calls (GET ${by("GET")}, PATCH ${by("PATCH")}, DELETE ${by("DELETE")}), ${stub.all().length} NetworkPolicies stored`);
}

console.log(`${count} opted-in namespaces, stub API server on loopback, node ${process.version}`);
await phase("first sync", () => reconciler.start());
await phase("resync, nothing to change", () => reconciler.resync());
policies = loadPolicies([join(fixtures, "egress-dns", "policy.yaml"), join(fixtures, "both-with-extra-rules", "policy.yaml")]).policies.map((p) =>
  p.name === "both-with-extra-rules" ? { ...p, networkDefault: { ...p.networkDefault!, egress: "deny-all" as const, allowEgress: [] } } : p,
);
await phase("resync after a policy change (egress of every namespace)", () => reconciler.resync());
await reconciler.stop();
await namespaces.stop();
await stub.stop();
rmSync(dir, { recursive: true, force: true });
