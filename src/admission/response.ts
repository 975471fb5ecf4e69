// An engine result as an AdmissionResponse: the base64 JSON patch, a denial status listing the violations
// with their field paths, short warnings for the kubectl user and short audit annotations.
import { violationMessage, type EvaluationResult } from "../engine/types.js";
import type { AdmissionResponse } from "./review.js";

/** Warnings: each line at most this long (the API server truncates long warnings; kubectl prints each on a line). */
export const WARNING_MAX_CHARS = 120;
/** Warnings: at most this many lines, the last one then saying "and N more". */
export const WARNING_MAX_LINES = 5;
/** Audit annotation values stay short strings. */
export const AUDIT_VALUE_MAX_CHARS = 256;
/** A denial lists at most this many violations, then "and N more". */
export const DENIAL_MAX_VIOLATIONS = 20;

/**
 * Audit annotation keys. The API server prefixes each key with the webhook's name and drops keys that
 * already contain a "/", so a webhook named `pods.secure-defaults.io` records `pods.secure-defaults.io/policy`.
 */
export const AUDIT_POLICY = "policy";
export const AUDIT_CHANGES = "changes";
export const AUDIT_VIOLATIONS = "violations";

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function uniquePaths(items: readonly { path: string }[]): string[] {
  const seen = new Set<string>();
  for (const item of items) seen.add(item.path);
  return [...seen];
}

/** "3: a, b, c" shortened to fit an audit annotation value, e.g. "9: a, b (+7 more)". */
export function pathSummary(paths: readonly string[]): string {
  const head = `${paths.length}: `;
  let length = head.length; // of head + the paths taken so far, comma-separated
  for (let i = 0; i < paths.length; i++) {
    const withPath = length + (i > 0 ? 2 : 0) + paths[i].length;
    const remaining = paths.length - i - 1;
    const suffix = remaining ? ` (+${remaining} more)`.length : 0;
    if (withPath + suffix > AUDIT_VALUE_MAX_CHARS) {
      const body = paths.slice(0, i).join(", ");
      return truncate(`${head}${body ? `${body} ` : ""}(+${paths.length - i} more)`, AUDIT_VALUE_MAX_CHARS);
    }
    length = withPath;
  }
  return head + paths.join(", ");
}

/** The value at a v1 field path such as `spec.containers[0].securityContext.runAsNonRoot`, if any. */
export function valueAt(object: unknown, path: string): unknown {
  let node = object;
  let start = 0;
  while (start < path.length) {
    if (node === null || typeof node !== "object") return undefined;
    if (path[start] === "[") {
      const close = path.indexOf("]", start);
      const digits = close < 0 ? "" : path.slice(start + 1, close);
      if (!/^\d+$/.test(digits) || !Array.isArray(node)) return undefined;
      node = node[Number(digits)];
      start = close + 1;
      if (path[start] === ".") start++;
      continue;
    }
    let end = start;
    while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
    node = Array.isArray(node) ? undefined : (node as Record<string, unknown>)[path.slice(start, end)];
    start = path[end] === "." ? end + 1 : end;
  }
  return node;
}

/** `path: value` for a defaulted field (the reason's message when the value cannot be shown). */
function defaultedLine(result: EvaluationResult, path: string): string {
  const value = valueAt(result.object, path);
  if (value !== undefined) return `${path}: ${JSON.stringify(value)}`;
  return `${path}: ${result.reasons.find((r) => r.path === path)?.message ?? "set"}`;
}

/**
 * The warnings for one answer: what was defaulted (when a patch is sent: a header, then one `path: value`
 * line per field) and the engine's own warnings, at most WARNING_MAX_LINES lines, the last then saying
 * "… and N more". Only the lines shown are built: a 50-container Pod has hundreds of defaults.
 */
export function warningLines(result: EvaluationResult, patched: boolean): string[] {
  return warningLinesFor(result, patched && result.policy ? uniquePaths(result.reasons) : []);
}

/** How a block of warning lines is worded: enforce mode's, or warn mode's (prefixed, "would"). */
export interface WarningStyle {
  /** The first line, given the number of defaults described. */
  header(policy: string, count: number): string;
  /** Put before every other line ("" in enforce mode). */
  prefix: string;
}

const ENFORCE_STYLE: WarningStyle = {
  header: (policy, count) => `secure-defaults: policy "${policy}" set ${count} default${count === 1 ? "" : "s"}`,
  prefix: "",
};

/** warningLines, given the defaulted paths to describe (and, before them, extra lines such as violations). */
export function warningLinesFor(result: EvaluationResult, paths: readonly string[], style: WarningStyle = ENFORCE_STYLE, leading: readonly string[] = []): string[] {
  const header = paths.length > 0 ? [style.header(result.policy ?? "", paths.length)] : [];
  const plain = [...leading, ...result.warnings].map((l) => style.prefix + l);
  const total = header.length + plain.length + paths.length;
  const shown = total <= WARNING_MAX_LINES ? total : WARNING_MAX_LINES - 1;
  const lines = [...header, ...plain].slice(0, shown);
  for (const path of paths.slice(0, shown - lines.length)) lines.push(style.prefix + defaultedLine(result, path));
  const capped = lines.map((l) => truncate(l, WARNING_MAX_CHARS));
  if (shown < total) capped.push(`${style.prefix}… and ${total - shown} more`);
  return capped;
}

/** The denial message: every violation with its field path (capped), e.g. `spec.hostNetwork: policy "x" (hostNetwork): ...`. */
export function denialMessage(what: string, result: EvaluationResult): string {
  const lines = result.violations.map((v) => `${v.path}: ${violationMessage(v)}`);
  const shown = lines.slice(0, DENIAL_MAX_VIOLATIONS);
  const more = lines.length - shown.length;
  const count = `${lines.length} violation${lines.length === 1 ? "" : "s"}`;
  return `${what} is not allowed by secure-defaults (${count}): ${shown.join("; ")}${more ? `; and ${more} more` : ""}`;
}

export interface ResponseOptions {
  uid: string;
  /** Whether the result's patch is sent (false on UPDATE: a Pod is never changed on update). */
  patch: boolean;
  /** What the request is about, for the denial message, e.g. `pod "web" in namespace "team-a"`. */
  what: string;
}

export function admissionResponse(result: EvaluationResult, opts: ResponseOptions): AdmissionResponse {
  const response: AdmissionResponse = { uid: opts.uid, allowed: result.allowed };
  if (!result.allowed) {
    response.status = { status: "Failure", code: 403, reason: "Forbidden", message: denialMessage(opts.what, result) };
    response.auditAnnotations = { [AUDIT_VIOLATIONS]: pathSummary(uniquePaths(result.violations)) };
    const warnings = warningLines(result, false);
    if (warnings.length) response.warnings = warnings;
    return response;
  }
  const patched = opts.patch && result.patch.length > 0;
  if (patched) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(result.patch)).toString("base64");
  }
  const changed = patched && result.policy ? uniquePaths(result.reasons) : [];
  const warnings = warningLinesFor(result, changed);
  if (warnings.length) response.warnings = warnings;
  if (result.policy) {
    response.auditAnnotations = { [AUDIT_POLICY]: truncate(result.policy, AUDIT_VALUE_MAX_CHARS) };
    if (patched) response.auditAnnotations[AUDIT_CHANGES] = pathSummary(changed);
  }
  return response;
}

/** An answer that lets the request through untouched (kinds and operations this webhook does not handle). */
export function allowUnchanged(uid: string): AdmissionResponse {
  return { uid, allowed: true };
}

/** The answer to a request the webhook failed to evaluate: deny (default) or allow, per --on-error. */
export function errorResponse(uid: string, onError: "deny" | "allow", message: string): AdmissionResponse {
  if (onError === "allow") {
    return {
      uid,
      allowed: true,
      warnings: [truncate(`secure-defaults could not evaluate this request and let it through unchanged: ${message}`, WARNING_MAX_CHARS)],
      auditAnnotations: { error: truncate(message, AUDIT_VALUE_MAX_CHARS) },
    };
  }
  return {
    uid,
    allowed: false,
    status: { status: "Failure", code: 500, reason: "InternalError", message: `secure-defaults could not evaluate this request: ${message}` },
    auditAnnotations: { error: truncate(message, AUDIT_VALUE_MAX_CHARS) },
  };
}
