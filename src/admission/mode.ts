// Which mode answers a request: enforce (patch, deny) or warn (admit unchanged, say what enforce would do).
// The namespace label secure-defaults.io/mode overrides the policies' `mode` field for that namespace.
import type { EvaluationResult, Policy, PolicyMode } from "../engine/types.js";
import type { NamespaceLabels } from "../policy/choose.js";

/** Namespace label choosing the mode for the namespace's Pods: `enforce` or `warn`. */
export const MODE_LABEL = "secure-defaults.io/mode";

export interface ModeDecision {
  mode: PolicyMode;
  /** Where the mode came from: the namespace label, the policies' `mode` field, or the default (enforce). */
  via: "label" | "policy" | "default";
  /** Set when the label has a value that is not a mode: then enforce applies, whatever the policies say. */
  warning?: string;
}

/**
 * The mode for one evaluated request. A label that is not a mode enforces. Without the label: an admitted Pod takes the chosen policy's
 * mode; a denied one is only let through when every candidate policy is in warn mode (one enforcing
 * candidate is enough to deny, as it would have been before warn mode existed).
 */
export function modeFor(labels: NamespaceLabels | undefined, candidates: readonly Policy[], result: EvaluationResult): ModeDecision {
  const label = labels?.[MODE_LABEL];
  if (label === "enforce" || label === "warn") return { mode: label, via: "label" };
  if (label !== undefined) {
    // A typo must not switch enforcement off: enforce, and say so.
    return { mode: "enforce", via: "label", warning: `secure-defaults: namespace label ${MODE_LABEL} must be enforce or warn, not "${label}": enforcing` };
  }
  if (result.allowed) {
    const chosen = candidates.find((p) => p.name === result.policy);
    return chosen?.mode ? { mode: chosen.mode, via: "policy" } : { mode: "enforce", via: "default" };
  }
  if (candidates.length > 0 && candidates.every((p) => p.mode === "warn")) return { mode: "warn", via: "policy" };
  const anyField = candidates.some((p) => p.mode !== undefined);
  return { mode: "enforce", via: anyField ? "policy" : "default" };
}
