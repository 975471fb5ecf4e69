// Runs the shipped restricted and baseline policies over the upstream Pod Security Admission fixtures
// (every Pod of the newest policy version, whatever level it was written for) and compares with PSA at
// the policy's level, judged by the independent evaluator (oracle/pod-security-standards.ts):
//   - PSA admits the Pod as written: the policy must admit it too, unless the kubelet would refuse to
//     start it (named in the output);
//   - the policy admits a Pod: its output (the Pod with the policy's defaults) must pass PSA.
// First it checks the evaluator against each fixture's own expected outcome.
//
//   node --import tsx scripts/psa-fixtures-report.ts [fixturesDir]
//
// fixturesDir defaults to ../shared/corpus/psa-fixtures relative to the repository; its top-level
// `<level>-<check>-<pass|fail>-<n>.json` files and supplement/*.json are read. Exits 1 when a count that
// must be zero is not.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicies } from "../src/policy/load.js";
import { checkPodSecurity, NEWEST_POLICY_VERSION, type PodSecurityLevel } from "../oracle/pod-security-standards.js";
import { measurePromise, readPsaFixtures } from "../test/support/psa-promise.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = resolve(REPO, process.argv[2] ?? "../shared/corpus/psa-fixtures");
const LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline"];

const upstream = existsSync(dir) ? readPsaFixtures(dir) : [];
const supplement = existsSync(join(dir, "supplement")) ? readPsaFixtures(join(dir, "supplement"), "supplement/") : [];
const fixtures = [...upstream, ...supplement];
if (fixtures.length === 0) {
  console.error(`no fixtures in ${dir} (pass the fixtures directory as the argument)`);
  process.exit(1);
}
console.log(`PSA fixtures ${dir}: ${upstream.length} upstream + ${supplement.length} supplement Pods (policy version v1.${NEWEST_POLICY_VERSION})`);

const own = fixtures.filter((f) => (checkPodSecurity(f.pod, f.level).length === 0) !== (f.outcome === "pass"));
console.log(`evaluator vs each fixture's expected outcome at its own level: ${fixtures.length - own.length} agree, ${own.length} disagree (must be 0)`);
for (const f of own) console.log(`  disagree: ${f.file}`);

let bad = own.length;
for (const level of LEVELS) {
  const { policies } = loadPolicies([join(REPO, "policies", `${level}.yaml`)]);
  const c = measurePromise(fixtures, policies, level);
  const denied = c.psaAdmits - c.bothAdmit;
  console.log(`\n== policies/${level}.yaml against PSA ${level} (${c.pods} Pods)`);
  console.log(`PSA admits ${c.psaAdmits}: policy admits ${c.bothAdmit}, denies ${denied} (the kubelet would refuse ${c.kubeletRefused.length}; others: ${c.wronglyDenied.length}, must be 0)`);
  console.log(`PSA refuses ${c.psaRefuses}: policy denies ${c.bothRefuse}, admits ${c.fixedByDefaults} with defaults that make it pass PSA`);
  console.log(`admitted outputs that fail PSA ${level}: ${c.wronglyAdmitted.length} (must be 0)`);
  for (const line of c.kubeletRefused) console.log(`  kubelet refuses: ${line}`);
  for (const line of c.wronglyDenied) console.log(`  denied but PSA admits: ${line}`);
  for (const line of c.wronglyAdmitted) console.log(`  admitted but fails PSA: ${line}`);
  bad += c.wronglyDenied.length + c.wronglyAdmitted.length;
}
console.log(bad ? `\nFAILED: ${bad} problem(s) above` : "\nOK: the shipped policies deny no Pod PSA admits (but those the kubelet refuses) and admit nothing PSA refuses");
process.exitCode = bad ? 1 : 0;
