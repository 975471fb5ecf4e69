// The engine alone, without HTTP: Pods per second through `evaluate`, and through the whole per-request
// pipeline of the webhook minus the network (parse the AdmissionReview, evaluate, encode the answer).
// Runs in its own process (the bench runner starts it); prints one JSON object on stdout.
// Also the per-request policy choice alone (choosePolicies) with 1, 100 and 10,000 bound namespaces.
// Usage: node dist/bench/engine.js RESTRICTED_FILE POLICY_SETS_DIR SECONDS_PER_CASE
//   (POLICY_SETS_DIR: bench/work/policies, made by the runner: namespaces-N/, policies-20-all/)
import { join } from "node:path";
import { choosePolicies } from "../src/policy/choose.js";
import { evaluate } from "../src/engine/evaluate.js";
import type { Policy } from "../src/engine/types.js";
import { loadPolicies } from "../src/policy/load.js";
import type { EngineCase } from "./lib/report.js";
import { admissionReview, namespaceName } from "./lib/reviews.js";

const [restrictedFile, setsDir, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 1);

/** One measured case; the wall clock is process.hrtime, the CPU time process.cpuUsage (less sensitive to other processes). */
type Case = Required<EngineCase>;

type Review = { request: { uid: string; namespace: string; object: unknown } };

function timeLoop(fn: () => void, budgetSeconds: number): { wall: number; cpu: number } {
  // Warm up (JIT) for a third of the budget, then count calls in batches until the budget is spent.
  const warmEnd = performance.now() + (budgetSeconds * 1000) / 3;
  while (performance.now() < warmEnd) for (let i = 0; i < 50; i++) fn();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(budgetSeconds * 1e9));
  let calls = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: calls / (Number(now - start) / 1e9), cpu: calls / ((cpu.user + cpu.system) / 1e6) };
}

interface Prepared {
  name: string;
  policies: readonly Policy[];
  containers: number;
  pipeline: boolean;
  fn: () => void;
  patchOps: number;
}

function prepare(name: string, policies: readonly Policy[], containers: number, pipeline: boolean): Prepared {
  const review = admissionReview("ns-00000", containers, 1) as Review;
  const body = JSON.stringify(review);
  const pod = review.request.object;
  const before = JSON.stringify(pod);
  const first = evaluate(pod, policies, { operation: "CREATE" });
  if (!first.allowed) throw new Error(`${name}: the Pod is not admitted: ${JSON.stringify(first.violations)}`);
  if (JSON.stringify(pod) !== before) throw new Error(`${name}: evaluate changed its input; the loop would measure a hardened Pod`);
  const fn = pipeline
    ? () => {
        const r = JSON.parse(body) as Review;
        const result = evaluate(r.request.object, policies, { operation: "CREATE" });
        JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          response: { uid: r.request.uid, allowed: result.allowed, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(result.patch)).toString("base64") },
        });
      }
    : () => {
        evaluate(pod, policies, { operation: "CREATE" });
      };
  return { name, policies, containers, pipeline, fn, patchOps: first.patch.length };
}

function measure(p: Prepared): Case {
  const { wall, cpu } = timeLoop(p.fn, seconds);
  return {
    name: p.name,
    containers: p.containers,
    policies: p.policies.length,
    pipeline: p.pipeline,
    podsPerSecond: Math.round(wall),
    microsPerPod: Math.round((1e6 / wall) * 100) / 100,
    podsPerCpuSecond: Math.round(cpu),
    patchOps: p.patchOps,
  };
}

/** The namespace → candidate policies step alone, for requests spread over `n` bound namespaces. */
function prepareChoice(n: number): Prepared {
  const policies = loadPolicies([join(setsDir, `namespaces-${n}`)]).policies;
  const names = Array.from({ length: 64 }, (_, i) => namespaceName(Math.floor((i * n) / 64)));
  for (const ns of names) {
    const choice = choosePolicies(policies, ns, undefined);
    if (!choice.ok || choice.candidates.length !== 1) throw new Error(`namespace ${ns}: expected one candidate policy`);
  }
  let k = 0;
  return { name: `policy choice only, 1 policy bound to ${n} namespace${n > 1 ? "s" : ""}`, policies, containers: 0, pipeline: false, fn: () => void choosePolicies(policies, names[k++ & 63], undefined), patchOps: 0 };
}

const restricted = loadPolicies([restrictedFile]).policies;
const twenty = loadPolicies([join(setsDir, "policies-20-all")]).policies.map((p) => ({ ...p, binding: undefined }));
const prepared: Prepared[] = [];
for (const n of [3, 1, 10, 50]) prepared.push(prepare(`evaluate, ${n} container${n > 1 ? "s" : ""}, 1 policy`, restricted, n, false));
prepared.push(prepare("evaluate, 3 containers, 20 candidate policies", twenty, 3, false));
prepared.push(prepare("parse + evaluate + encode, 3 containers, 1 policy", restricted, 3, true));
for (const n of [1, 100, 10_000]) prepared.push(prepareChoice(n));
// Every code path warm before anything is timed (the first case would otherwise pay for the JIT).
for (const p of prepared) timeLoop(p.fn, Math.min(0.3, seconds / 2));
const cases = prepared.map(measure);
process.stdout.write(JSON.stringify({ node: process.version, cases }) + "\n");
