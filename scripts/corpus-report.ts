// Runs the engine with each shipped policy (policies/*.yaml) over a corpus of real-world manifests and
// prints a summary: objects, admitted, mutated, denied, crashes, the most frequent violation messages;
// for policies with a Pod Security Standard, how many admitted outputs fail the independent PSA checker
// (oracle/pod-security-standards.ts); and patch sanity (the patch applies to the input and yields
// the output; a second pass gives an empty patch). For policies with scratchSpace: how many containers got
// scratch space at each path, and how many had readOnlyRootFilesystem defaulted but already mounted there;
// and the engine's warnings on admitted objects, by message.
//
//   node --import tsx scripts/corpus-report.ts [corpusDir]
//
// corpusDir defaults to ../shared/corpus/real-manifests relative to the repository. Each manifest file
// there is JSON `{"source": {...}, "object": {...}}`; other files (INDEX.md) are skipped. Exits 1 when
// something that must be zero is not (crashes, PSA failures, patch problems).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import jsonpatch from "fast-json-patch";
import { isDeepStrictEqual } from "node:util";
import { evaluate } from "../src/engine/evaluate.js";
import type { Policy } from "../src/engine/types.js";
import { loadPolicies } from "../src/policy/load.js";
import { checkPodSecurity, podOfObject } from "../oracle/pod-security-standards.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = resolve(REPO, process.argv[2] ?? "../shared/corpus/real-manifests");
const TOP = 12;

interface Manifest {
  file: string;
  object: unknown;
}

function readCorpus(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const data = JSON.parse(readFileSync(join(dir, file), "utf8")) as { object?: unknown };
    if (data.object === undefined) throw new Error(`${file}: no "object"`);
    out.push({ file, object: data.object });
  }
  return out;
}

/** Groups messages that differ only in names and numbers, e.g. container "web" / container "db". */
const normalize = (message: string): string => message.replace(/"[^"]*"/g, '"…"').replace(/\b\d+\b/g, "N");

interface PolicyReport {
  policy: string;
  level?: string;
  objects: number;
  admitted: number;
  mutated: number;
  denied: number;
  crashes: string[];
  violations: Map<string, number>;
  psaFailures: string[];
  patchProblems: string[];
  /** Containers whose readOnlyRootFilesystem was defaulted. */
  readOnlyDefaulted: number;
  /** Per scratch path: containers that got a mount, and objects that got the volume. */
  scratch: Map<string, { containers: number; objects: number }>;
  warnings: Map<string, number>;
}

/** Counts the scratch-space reasons of one admitted result: volumes (spec...volumes[i]) and mounts (...volumeMounts[j]). */
function countScratch(policy: Policy, reasons: readonly { path: string; field: string }[], r: PolicyReport): void {
  (policy.scratchSpace ?? []).forEach((entry, i) => {
    const field = `scratchSpace[${i}]`;
    const mine = reasons.filter((x) => x.field === field);
    const tally = r.scratch.get(entry.path) ?? { containers: 0, objects: 0 };
    tally.containers += mine.filter((x) => /\.volumeMounts\[\d+\]$/.test(x.path)).length;
    tally.objects += mine.some((x) => /\.volumes\[\d+\]$/.test(x.path)) ? 1 : 0;
    r.scratch.set(entry.path, tally);
  });
}

function run(policy: Policy, manifests: readonly Manifest[]): PolicyReport {
  const level = policy.podSecurityStandard;
  const r: PolicyReport = { policy: policy.name, level, objects: 0, admitted: 0, mutated: 0, denied: 0, crashes: [], violations: new Map(), psaFailures: [], patchProblems: [], readOnlyDefaulted: 0, scratch: new Map(), warnings: new Map() };
  for (const { file, object } of manifests) {
    r.objects++;
    const before = structuredClone(object);
    let result;
    try {
      result = evaluate(object, [policy], { operation: "CREATE" });
    } catch (error) {
      r.crashes.push(`${file}: ${(error as Error).stack ?? String(error)}`);
      continue;
    }
    if (!isDeepStrictEqual(object, before)) r.patchProblems.push(`${file}: the input was modified`);
    if (!result.allowed) {
      r.denied++;
      if (result.patch.length) r.patchProblems.push(`${file}: denied with a patch`);
      for (const message of new Set(result.violations.map((v) => `${v.field}: ${normalize(v.message)}`))) {
        r.violations.set(message, (r.violations.get(message) ?? 0) + 1);
      }
      continue;
    }
    r.admitted++;
    if (result.patch.length) r.mutated++;
    r.readOnlyDefaulted += result.reasons.filter((x) => x.field === "readOnlyRootFilesystem").length;
    countScratch(policy, result.reasons, r);
    for (const w of result.warnings) r.warnings.set(normalize(w), (r.warnings.get(normalize(w)) ?? 0) + 1);

    try {
      const patched = jsonpatch.applyPatch(structuredClone(object), structuredClone(result.patch) as jsonpatch.Operation[], true, false).newDocument;
      if (!isDeepStrictEqual(patched, result.object)) r.patchProblems.push(`${file}: the patch does not yield the output`);
    } catch (error) {
      r.patchProblems.push(`${file}: the patch does not apply: ${(error as Error).message}`);
    }
    try {
      const again = evaluate(result.object, [policy], { operation: "CREATE" });
      if (!again.allowed) r.patchProblems.push(`${file}: the output is denied on a second pass: ${JSON.stringify(again.violations)}`);
      else if (again.patch.length) r.patchProblems.push(`${file}: second pass not empty: ${JSON.stringify(again.patch)}`);
    } catch (error) {
      r.crashes.push(`${file} (second pass): ${(error as Error).message}`);
    }

    if (level) {
      const pod = podOfObject(result.object);
      const failed = pod ? checkPodSecurity(pod, level) : [{ check: "-", message: "no Pod found in the output" }];
      if (failed.length) r.psaFailures.push(`${file}: ${failed.map((v) => `${v.check}: ${v.message}`).join("; ")}`);
    }
  }
  return r;
}

function print(r: PolicyReport): void {
  const pct = (n: number) => (r.objects ? `${((100 * n) / r.objects).toFixed(0)}%` : "-");
  console.log(`\n== policy ${r.policy}${r.level ? ` (podSecurityStandard: ${r.level})` : ""}`);
  console.log(`objects ${r.objects}   admitted ${r.admitted} (${pct(r.admitted)}, of which mutated ${r.mutated})   denied ${r.denied} (${pct(r.denied)})   crashes ${r.crashes.length}`);
  const top = [...r.violations].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP);
  if (top.length) {
    console.log(`top violation messages (objects denied with it; names and numbers elided):`);
    for (const [message, count] of top) console.log(`  ${String(count).padStart(4)}  ${message}`);
  }
  if (r.scratch.size) {
    console.log(`containers given readOnlyRootFilesystem: true: ${r.readOnlyDefaulted}`);
    for (const [path, t] of r.scratch) {
      console.log(`scratch space at ${path}: ${t.containers} containers in ${t.objects} objects (${r.readOnlyDefaulted - t.containers} defaulted containers already mount there or above, or hit a warning below)`);
    }
  }
  if (r.warnings.size) {
    console.log(`engine warnings on admitted objects (objects with it):`);
    for (const [w, n] of [...r.warnings].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${w}`);
  }
  if (r.level) console.log(`admitted outputs that FAIL PSA ${r.level}: ${r.psaFailures.length} (must be 0)`);
  console.log(`patch sanity problems: ${r.patchProblems.length} (must be 0)`);
  for (const line of [...r.crashes.map((c) => `crash: ${c}`), ...r.psaFailures.map((f) => `PSA: ${f}`), ...r.patchProblems.map((p) => `patch: ${p}`)]) {
    console.log(`  ${line}`);
  }
}

const manifests = readCorpus(corpusDir);
const policyFiles = readdirSync(join(REPO, "policies")).filter((f) => /\.ya?ml$/.test(f)).sort();
const { policies } = loadPolicies(policyFiles.map((f) => join(REPO, "policies", f)));
console.log(`corpus ${corpusDir}: ${manifests.length} manifests; policies: ${policies.map((p) => p.name).join(", ")} (from ${policyFiles.join(", ")})`);

let bad = 0;
for (const policy of policies) {
  const report = run(policy, manifests);
  print(report);
  bad += report.crashes.length + report.psaFailures.length + report.patchProblems.length;
}
console.log(bad ? `\nFAILED: ${bad} problem(s) above` : "\nOK: no crashes, no PSA failures, patches sane");
process.exitCode = bad ? 1 : 0;
