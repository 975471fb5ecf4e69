// The promise of the shipped policies, measured over Pods PSA judges (the upstream fixtures): at the
// policy's level, a Pod PSA admits is admitted too (unless the kubelet would refuse it), and what the
// policy admits (its output, with the policy's defaults) passes PSA. Used by scripts/psa-fixtures-report.ts
// over the whole upstream set and by test/psa-compat.test.ts over the copies in test/fixtures/psa/upstream.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../../src/engine/evaluate.js";
import type { Policy } from "../../src/engine/types.js";
import { kubeletRefuses } from "./kubelet.js";
import { checkPodSecurity, type PodSecurityLevel } from "../../oracle/pod-security-standards.js";

export interface PsaFixture {
  file: string;
  /** The level the fixture was written for, and its expected outcome there. */
  level: PodSecurityLevel;
  outcome: "pass" | "fail";
  pod: Record<string, unknown>;
}

const NAME = /^(?:supplement-)?(baseline|restricted)-(.+)-(pass|fail)-(\d+)\.json$/;

/** `<level>-<check>-<pass|fail>-<n>.json` (optionally `supplement-` first) in `dir`, as `<prefix><file>`. */
export function readPsaFixtures(dir: string, prefix = ""): PsaFixture[] {
  return readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .map((f) => {
      const [, level, , outcome] = NAME.exec(f) as RegExpExecArray;
      return { file: prefix + f, level: level as PodSecurityLevel, outcome: outcome as "pass" | "fail", pod: JSON.parse(readFileSync(join(dir, f), "utf8")) };
    });
}

export interface PromiseCounts {
  pods: number;
  psaAdmits: number;
  bothAdmit: number;
  /** PSA admits, the policy denies, the kubelet would refuse: `file: why`. */
  kubeletRefused: string[];
  /** PSA admits, the policy denies, nothing excuses it (must be empty). */
  wronglyDenied: string[];
  psaRefuses: number;
  bothRefuse: number;
  /** PSA refuses the Pod as written, the policy admits it with defaults that make it pass. */
  fixedByDefaults: number;
  /** The policy admits, the output fails PSA (must be empty). */
  wronglyAdmitted: string[];
}

export function measurePromise(fixtures: readonly PsaFixture[], policies: readonly Policy[], level: PodSecurityLevel): PromiseCounts {
  const c: PromiseCounts = { pods: 0, psaAdmits: 0, bothAdmit: 0, kubeletRefused: [], wronglyDenied: [], psaRefuses: 0, bothRefuse: 0, fixedByDefaults: 0, wronglyAdmitted: [] };
  for (const f of fixtures) {
    c.pods++;
    const admittedByPsa = checkPodSecurity(f.pod, level).length === 0;
    const result = evaluate(f.pod, policies, { operation: "CREATE" });
    if (result.allowed) {
      const failures = checkPodSecurity(result.object, level);
      if (failures.length) c.wronglyAdmitted.push(`${f.file}: ${failures.map((v) => v.message).join("; ")}`);
    }
    if (admittedByPsa) {
      c.psaAdmits++;
      if (result.allowed) c.bothAdmit++;
      else {
        const kubelet = kubeletRefuses(f.pod);
        if (kubelet) c.kubeletRefused.push(`${f.file}: ${kubelet}`);
        else c.wronglyDenied.push(`${f.file}: ${result.violations.map((v) => `${v.path}: ${v.message}`).join("; ")}`);
      }
    } else {
      c.psaRefuses++;
      if (result.allowed) c.fixedByDefaults++;
      else c.bothRefuse++;
    }
  }
  return c;
}
