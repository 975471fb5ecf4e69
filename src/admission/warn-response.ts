// Warn mode's answer: the request is admitted unchanged (no patch, allowed), and the warnings and audit
// annotations say what enforce mode would have done: the same lines, each beginning with WARN_PREFIX.
import { violationMessage, type EvaluationResult } from "../engine/types.js";
import { AUDIT_POLICY, AUDIT_VALUE_MAX_CHARS, pathSummary, truncate, uniquePaths, warningLinesFor, type ResponseOptions, type WarningStyle } from "./response.js";
import type { AdmissionResponse } from "./review.js";

/** Every warning line in warn mode begins with this. */
export const WARN_PREFIX = "secure-defaults (warn mode): ";

/** Audit annotation keys (prefixed by the API server with the webhook's name, like the others). */
export const AUDIT_MODE = "mode";
export const AUDIT_WOULD_PATCH = "would-patch";
export const AUDIT_WOULD_DENY = "would-deny";

/** What enforce mode would have done with a request answered in warn mode. */
export type WouldDo = "would-patch" | "would-deny";

const WARN_STYLE: WarningStyle = {
  header: (policy, count) => `${WARN_PREFIX}policy "${policy}" would set ${count} default${count === 1 ? "" : "s"}`,
  prefix: WARN_PREFIX,
};

export interface WarnModeAnswer {
  response: AdmissionResponse;
  /** Undefined when enforce mode would have admitted the request unchanged too. */
  wouldDo?: WouldDo;
}

export function warnModeResponse(result: EvaluationResult, opts: ResponseOptions): WarnModeAnswer {
  const response: AdmissionResponse = { uid: opts.uid, allowed: true, auditAnnotations: { [AUDIT_MODE]: "warn" } };
  const audit = response.auditAnnotations!;
  let warnings: string[];
  let wouldDo: WouldDo | undefined;
  if (!result.allowed) {
    wouldDo = "would-deny";
    const count = `${result.violations.length} violation${result.violations.length === 1 ? "" : "s"}`;
    const violations = result.violations.map((v) => `${v.path}: ${violationMessage(v)}`);
    warnings = warningLinesFor(result, [], WARN_STYLE, [`would deny ${opts.what} (${count}):`, ...violations]);
    audit[AUDIT_WOULD_DENY] = pathSummary(uniquePaths(result.violations));
  } else {
    const patched = opts.patch && result.patch.length > 0;
    const changed = patched && result.policy ? uniquePaths(result.reasons) : [];
    if (changed.length > 0) wouldDo = "would-patch";
    warnings = warningLinesFor(result, changed, WARN_STYLE);
    if (result.policy) audit[AUDIT_POLICY] = truncate(result.policy, AUDIT_VALUE_MAX_CHARS);
    if (changed.length > 0) audit[AUDIT_WOULD_PATCH] = pathSummary(changed);
  }
  if (warnings.length) response.warnings = warnings;
  return { response, wouldDo };
}

/** The policy a warn-mode outcome is counted under: the chosen one, else the denying ones (sorted, comma-separated). */
export function policyLabel(result: EvaluationResult): string {
  if (result.policy) return result.policy;
  return [...new Set(result.violations.map((v) => v.policy).filter((p) => p !== ""))].sort().join(",");
}
