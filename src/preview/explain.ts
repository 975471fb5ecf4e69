// `preview -o explain`: a report per object for a person at a terminal or in a CI log. Which policy was
// chosen and why (how the candidates were found; why each other candidate lost), each change with the
// policy field behind it, each violation with its path, and the Pod Security Standards level before and
// after. Building the report is separate from painting it, so the words are tested without colour.
import { valueAt } from "../admission/response.js";
import { modeFor } from "../admission/mode.js";
import { runProvider, type ProviderOutcome } from "../engine/provider.js";
import { byName } from "../engine/select.js";
import type { EvaluationResult, Operation, Policy } from "../engine/types.js";
import { locatePod } from "../engine/workload.js";
import type { PreviewEntry } from "./entry.js";
import { podSecurityLevel, type PodSecurityLevel } from "./pod-security-level.js";

export interface CandidateVerdict {
  policy: string;
  chosen: boolean;
  detail: string;
}

export interface ExplainReport {
  title: string;
  allowed: boolean;
  policy: string | null;
  mode: string;
  /** How the candidates were found, e.g. `every loaded policy (no namespace given)`. */
  candidatesFrom: string;
  candidates: CandidateVerdict[];
  changes: { path: string; value: string; field: string; message: string }[];
  violations: { path: string; message: string }[];
  warnings: string[];
  levelBefore: PodSecurityLevel;
  levelAfter: PodSecurityLevel;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function verdict(outcome: ProviderOutcome, chosen: string | undefined, chosenOutcome: ProviderOutcome | undefined, mayMutate: boolean): CandidateVerdict {
  const name = outcome.policy.name;
  const changes = plural(outcome.reasons.length, "change");
  const admits = outcome.mutated ? `admits it with ${changes}` : "admits it unchanged";
  if (name === chosen) return { policy: name, chosen: true, detail: admits };
  let detail: string;
  if (outcome.violations.length > 0) detail = `denies it (${plural(outcome.violations.length, "violation")})`;
  else if (outcome.mutated && !mayMutate) detail = `would have to change it (${changes}), and a Pod is not changed on UPDATE`;
  else if (outcome.mutated && chosenOutcome && !chosenOutcome.mutated) detail = `${admits}, but "${chosen}" admits it unchanged (a policy that changes nothing wins)`;
  else detail = `${admits} too, but "${chosen}" comes first by name`;
  return { policy: name, chosen: false, detail };
}

function title(entry: PreviewEntry): string {
  return `${entry.kind}/${entry.name || "<unnamed>"}${entry.namespace ? ` (namespace ${entry.namespace})` : ""}`;
}

function modeText(candidates: readonly Policy[], result: EvaluationResult): string {
  const { mode, via } = modeFor(undefined, candidates, result);
  if (mode === "enforce") return via === "policy" ? "enforce (the policy's mode field)" : "enforce";
  return "warn (the policy's mode field): the webhook would admit it unchanged and only warn";
}

export interface ExplainInput {
  object: unknown;
  entry: PreviewEntry;
  result: EvaluationResult;
  candidates: readonly Policy[];
  candidatesFrom: string;
  operation: Operation;
}

export function explainReport({ object, entry, result, candidates, candidatesFrom, operation }: ExplainInput): ExplainReport {
  const { pod } = locatePod(object);
  const outcomes = [...candidates].sort(byName).map((policy) => runProvider(pod, policy));
  const chosenOutcome = outcomes.find((o) => o.policy.name === result.policy);
  return {
    title: title(entry),
    allowed: result.allowed,
    policy: result.policy ?? null,
    mode: modeText(candidates, result),
    candidatesFrom,
    candidates: outcomes.map((o) => verdict(o, result.policy, chosenOutcome, operation === "CREATE")),
    changes: result.reasons.map((r) => ({ path: r.path, value: JSON.stringify(valueAt(result.object, r.path)) ?? "(removed)", field: r.field, message: r.message })),
    violations: entry.violations,
    warnings: result.warnings,
    levelBefore: podSecurityLevel(object),
    levelAfter: result.allowed ? podSecurityLevel(result.object) : podSecurityLevel(object),
  };
}

// ------------------------------------------------------------------------------------------------
// Rendering

/** ANSI styles; identity functions when colour is off. */
export interface Paint {
  bold(s: string): string;
  good(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
}

const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const COLOUR: Paint = { bold: ansi("1"), good: ansi("32"), bad: ansi("31"), dim: ansi("2") };
const same = (s: string) => s;
export const NO_COLOUR: Paint = { bold: same, good: same, bad: same, dim: same };

/** Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

export function renderExplain(report: ExplainReport, paint: Paint): string {
  const lines = [paint.bold(report.title)];
  const result = report.allowed
    ? paint.good(`admitted ${report.changes.length ? `with ${plural(report.changes.length, "change")}` : "unchanged"} by policy "${report.policy}"`)
    : paint.bad(`denied (${plural(report.violations.length, "violation")})`);
  lines.push(`  result: ${result}`, `  mode: ${report.mode}`);
  const count = report.candidates.length;
  if (count === 0) lines.push(`  policy: none applies (${report.candidatesFrom})`);
  else {
    const head = report.policy ? `"${report.policy}"` : "none admits it";
    lines.push(`  policy: ${head}; ${plural(count, "candidate")}: ${report.candidatesFrom}`);
    for (const c of report.candidates) {
      const verdict = c.chosen ? `${paint.good("chosen")}: ` : report.policy ? "lost: " : "";
      lines.push(`    ${c.policy}: ${verdict}${c.detail}`);
    }
  }
  if (report.changes.length) {
    lines.push("  changes:");
    for (const c of report.changes) lines.push(`    ${c.path}: ${c.value}`, paint.dim(`      by ${c.field}: ${c.message}`));
  }
  if (report.violations.length) {
    lines.push("  violations:");
    for (const v of report.violations) lines.push(`    ${paint.bad(v.path)}`, `      ${v.message}`);
  }
  if (report.warnings.length) {
    lines.push("  warnings:");
    for (const w of report.warnings) lines.push(`    ${w}`);
  }
  const after = report.allowed ? `, after: ${report.levelAfter}` : " (denied, so unchanged)";
  lines.push(`  Pod Security Standards: before: ${report.levelBefore}${after}`);
  return `${lines.join("\n")}\n`;
}
