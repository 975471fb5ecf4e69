// The engine's entry point: (object, candidate policies, operation) → result with patch and reasons.
import { withApiDefaults, withoutApiDefaults } from "./api-defaults.js";
import { checkFieldTypes } from "./field-types.js";
import { checkLimits } from "./limits.js";
import { diff } from "./patch.js";
import type { ProviderScope } from "./provider.js";
import { selectPolicy } from "./select.js";
import type { ApiDefault, EvaluationResult, Operation, Policy, Reason, Violation } from "./types.js";
import { VOLUME_SOURCE_KEYS } from "./volumes.js";
import { locatePod } from "./workload.js";

export interface EvaluateOptions {
  operation: Operation;
  /**
   * For `pods/ephemeralcontainers`: the indexes in `spec.ephemeralContainers` of the ephemeral containers
   * the request adds or changes; only they are defaulted and checked.
   */
  ephemeralContainers?: readonly number[];
}

function prefixed<T extends { path: string }>(items: readonly T[], prefix: string): T[] {
  return prefix ? items.map((i) => ({ ...i, path: prefix + i.path })) : [...items];
}

const NO_POLICY: Omit<Violation, "path"> = {
  policy: "",
  field: "",
  message: "no policy applies to this namespace, so nothing can admit the Pod",
};

/** A violation of a value the API server's defaulting put there says so (the input does not show it). */
function noteApiDefaults(violations: Violation[], assumed: readonly ApiDefault[]): Violation[] {
  if (assumed.length === 0) return violations;
  const byPath = new Map(assumed.map((d) => [d.path, d]));
  return violations.map((v) => {
    const d = byPath.get(v.path);
    return d ? { ...v, message: `${v.message} (assumed: ${d.message})` } : v;
  });
}

/**
 * Applies PSP to a Pod, or to the pod template of a workload (Deployment, Job, CronJob, ...).
 * Throws UnsupportedObjectError for an object that is not one of the supported kinds or has no Pod, and
 * its subclasses LimitExceededError (limits.ts) and FieldTypeError (field-types.ts) for a Pod above the
 * work limits or with wrongly typed security fields: such a Pod is refused, never judged or patched.
 */
export function evaluate(object: unknown, candidates: readonly Policy[], options: EvaluateOptions): EvaluationResult {
  const location = locatePod(object);
  checkLimits(location.pod, location.pathPrefix);
  checkFieldTypes(location.pod, location.pathPrefix, VOLUME_SOURCE_KEYS);
  if (candidates.length === 0) {
    return {
      allowed: false,
      object,
      patch: [],
      reasons: [],
      violations: [{ ...NO_POLICY, path: "metadata.namespace" }],
      warnings: [],
    };
  }
  const scope: ProviderScope = options.ephemeralContainers ? { ephemeralContainers: new Set(options.ephemeralContainers) } : {};
  const mayMutate = options.operation === "CREATE" || scope.ephemeralContainers !== undefined;
  // Judged as the API server's defaulting leaves the Pod; the defaults are taken out of the output again.
  const { pod, assumed } = withApiDefaults(location.pod);
  const apiDefaults = assumed.length ? { apiDefaults: prefixed(assumed, location.pathPrefix) } : {};
  const { chosen, rejected } = selectPolicy(pod, candidates, mayMutate, scope);

  if (!chosen) {
    return {
      allowed: false,
      object,
      patch: [],
      reasons: [],
      violations: prefixed(noteApiDefaults(rejected.flatMap((o) => o.violations), assumed), location.pathPrefix),
      warnings: [...new Set(rejected.flatMap((o) => o.warnings))],
      ...apiDefaults,
    };
  }
  const result = chosen.mutated ? location.writeBack(object, assumed.length ? withoutApiDefaults(chosen.pod, assumed, location.pod) : chosen.pod) : object;
  const reasons: Reason[] = prefixed(chosen.reasons, location.pathPrefix);
  return {
    allowed: true,
    policy: chosen.policy.name,
    object: result,
    patch: chosen.mutated ? diff(object, result) : [],
    reasons,
    violations: [],
    warnings: chosen.warnings,
    ...apiDefaults,
  };
}
