// PSP's choice among several policies (admission.go computeSecurityContext), without RBAC `use`:
// candidates sorted by name; a policy that admits the Pod unchanged wins at once; otherwise the first
// (by name) that admits it with changes; otherwise nobody admits and every policy's reasons are kept.
import { compareBytewise } from "./bytewise.js";
import { runProvider, type ProviderOutcome, type ProviderScope } from "./provider.js";
import type { Pod, Policy, Violation } from "./types.js";

export interface Selection {
  /** The winning outcome, if any policy admits. */
  chosen?: ProviderOutcome;
  /** Outcomes of the policies that did not admit, in name order. */
  rejected: ProviderOutcome[];
}

/** By name, byte-wise ascending, as Go's sort.Strings (policies, and anything else named). */
export function byName(a: { name: string }, b: { name: string }): number {
  return compareBytewise(a.name, b.name);
}

/**
 * On UPDATE a policy may not change the Pod. PSP skipped such a policy silently; we say what it
 * would have needed, so the denial is actionable.
 */
export function changesAsViolations(outcome: ProviderOutcome): Violation[] {
  const changes: readonly Pick<Violation, "path" | "field" | "message">[] =
    outcome.reasons.length > 0
      ? outcome.reasons
      : // Every write has a reason (test/engine-writes-and-reasons.test.ts); never an empty denial all the same.
        [{ path: "spec", field: "", message: "the policy would change the Pod" }];
  return changes.map((r) => ({
    policy: outcome.policy.name,
    path: r.path,
    field: r.field,
    message: `${r.message}; a Pod cannot be changed on update, so this must already be in the submitted Pod`,
  }));
}

export function selectPolicy(pod: Pod, candidates: readonly Policy[], mayMutate: boolean, scope: ProviderScope = {}): Selection {
  const rejected: ProviderOutcome[] = [];
  let firstMutating: ProviderOutcome | undefined;
  for (const policy of [...candidates].sort(byName)) {
    const outcome = runProvider(pod, policy, scope);
    if (outcome.violations.length > 0) {
      rejected.push(outcome);
    } else if (!outcome.mutated) {
      return { chosen: outcome, rejected };
    } else if (!mayMutate) {
      rejected.push({ ...outcome, violations: changesAsViolations(outcome) });
    } else if (!firstMutating) {
      firstMutating = outcome;
    }
  }
  return { chosen: firstMutating, rejected };
}
