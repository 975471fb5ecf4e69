// Runs the shipped restricted and baseline policies over the upstream Pod Security Admission fixtures
// (every Pod of the newest policy version, whatever level it was written for) and compares with PSA at
// the policy's level, judged by the independent evaluator (test/support/pod-security-standards.ts):
//   - PSA admits the Pod as written: the policy must admit it too, unless the kubelet would refuse to
//     start it (named in the output);
//   - the policy admits a Pod: its output (the Pod with the policy's defaults) must pass PSA.
// Also prints the fixture's own expected outcome against the evaluator's, so a disagreement shows.
//
//   node --import tsx scripts/psa-fixtures-report.ts [fixturesDir]
//
// fixturesDir defaults to ../shared/corpus/psa-fixtures relative to the repository; its top-level
// `<level>-<check>-<pass|fail>-<n>.json` files and supplement/*.json are read. Exits 1 when a count that
// must be zero is not.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate } from "../src/engine/evaluate.js";
import { loadPolicies } from "../src/policy/load.js";
import { kubeletRefuses } from "../test/support/kubelet.js";
import { checkPodSecurity, type PodSecurityLevel } from "../test/support/pod-security-standards.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = resolve(REPO, process.argv[2] ?? "../shared/corpus/psa-fixtures");
const LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline"];
const NAME = /^(baseline|restricted)-(.+)-(pass|fail)-(\d+)\.json$/;

interface Fixture {
  file: string;
  level: PodSecurityLevel;
  outcome: "pass" | "fail";
  pod: Record<string, unknown>;
}

function read(folder: string, prefix: string): Fixture[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => NAME.test(f))
    .sort()
    .map((f) => {
      const [, level, , outcome] = NAME.exec(f) as RegExpExecArray;
      return { file: prefix + f, level: level as PodSecurityLevel, outcome: outcome as "pass" | "fail", pod: JSON.parse(readFileSync(join(folder, f), "utf8")) };
    });
}

const fixtures = [...read(dir, ""), ...read(join(dir, "supplement"), "supplement/")];
if (fixtures.length === 0) {
  console.error(`no fixtures in ${dir} (pass the fixtures directory as the argument)`);
  process.exit(1);
}
console.log(`PSA fixtures ${dir}: ${fixtures.filter((f) => !f.file.startsWith("supplement/")).length} upstream + ${fixtures.filter((f) => f.file.startsWith("supplement/")).length} supplement Pods (newest policy version)`);

const own = fixtures.filter((f) => (checkPodSecurity(f.pod, f.level).length === 0) !== (f.outcome === "pass"));
console.log(`evaluator vs the fixtures' own expectation (at the level each was written for): ${fixtures.length - own.length} agree, ${own.length} disagree (must be 0)`);
for (const f of own) console.log(`  disagree: ${f.file}`);

let bad = own.length;
for (const level of LEVELS) {
  const { policies } = loadPolicies([join(REPO, "policies", `${level}.yaml`)]);
  let psaAdmits = 0;
  let bothAdmit = 0;
  let kubeletRefused = 0;
  let psaRefuses = 0;
  let fixedByDefaults = 0;
  let bothRefuse = 0;
  const wronglyDenied: string[] = [];
  const wronglyAdmitted: string[] = [];
  const refusedByKubelet: string[] = [];
  for (const f of fixtures) {
    const admittedByPsa = checkPodSecurity(f.pod, level).length === 0;
    const result = evaluate(f.pod, policies, { operation: "CREATE" });
    if (result.allowed) {
      const failures = checkPodSecurity(result.object, level);
      if (failures.length) wronglyAdmitted.push(`${f.file}: ${failures.map((v) => v.message).join("; ")}`);
    }
    if (admittedByPsa) {
      psaAdmits++;
      if (result.allowed) bothAdmit++;
      else {
        const kubelet = kubeletRefuses(f.pod);
        if (kubelet) {
          kubeletRefused++;
          refusedByKubelet.push(`${f.file}: ${kubelet}`);
        } else wronglyDenied.push(`${f.file}: ${result.violations.map((v) => `${v.path}: ${v.message}`).join("; ")}`);
      }
    } else {
      psaRefuses++;
      if (result.allowed) fixedByDefaults++;
      else bothRefuse++;
    }
  }
  console.log(`\n== policies/${level}.yaml against PSA ${level} (${fixtures.length} Pods)`);
  console.log(`PSA admits ${psaAdmits}: policy admits ${bothAdmit}, denies ${wronglyDenied.length + kubeletRefused} (of which the kubelet would refuse ${kubeletRefused}; others must be 0: ${wronglyDenied.length})`);
  console.log(`PSA refuses ${psaRefuses}: policy denies ${bothRefuse}, admits ${fixedByDefaults} with defaults that make it pass PSA`);
  console.log(`admitted outputs that fail PSA ${level}: ${wronglyAdmitted.length} (must be 0)`);
  for (const line of refusedByKubelet) console.log(`  kubelet refuses: ${line}`);
  for (const line of wronglyDenied) console.log(`  denied but PSA admits: ${line}`);
  for (const line of wronglyAdmitted) console.log(`  admitted but fails PSA: ${line}`);
  bad += wronglyDenied.length + wronglyAdmitted.length;
}
console.log(bad ? `\nFAILED: ${bad} problem(s) above` : "\nOK: the shipped policies deny no Pod PSA admits (but those the kubelet refuses) and admit nothing PSA refuses");
process.exitCode = bad ? 1 : 0;
