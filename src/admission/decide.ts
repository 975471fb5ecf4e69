// Which policies may admit a Pod in a namespace: the one its label names, else the policies bound to it
// (or unbound), else the --default-policy. Pure: namespace labels are passed in by the caller.
import type { Policy } from "../engine/types.js";
import { candidatesFor, policyByName } from "../policy/bindings.js";

/** Namespace label naming the policy for the namespace's Pods. */
export const POLICY_LABEL = "secure-defaults.io/policy";
/** Namespace label the MutatingWebhookConfiguration selects on (the webhook itself does not check it). */
export const ENABLED_LABEL = "secure-defaults.io/enabled";

export type NamespaceLabels = Readonly<Record<string, string>>;

export type PolicyChoice =
  | {
      ok: true;
      candidates: Policy[];
      /** How the candidates were found: namespace label, bindings (incl. unbound policies), default, or none at all. */
      via: "label" | "bindings" | "default" | "none";
    }
  | { ok: false; message: string };

/**
 * @param labels the namespace's labels, or undefined when they are not known (no cluster connection):
 *   then the policy files alone decide.
 */
export function choosePolicies(
  policies: readonly Policy[],
  namespace: string,
  labels: NamespaceLabels | undefined,
  defaultPolicy?: string,
): PolicyChoice {
  const named = labels?.[POLICY_LABEL];
  if (named !== undefined) {
    const policy = policyByName(policies, named);
    if (!policy) {
      return {
        ok: false,
        message: `namespace "${namespace}" is labelled ${POLICY_LABEL}=${named}, but no policy named "${named}" is loaded`,
      };
    }
    return { ok: true, candidates: [policy], via: "label" };
  }
  const bound = candidatesFor(policies, namespace || undefined, labels);
  if (bound.length > 0) return { ok: true, candidates: [...bound], via: "bindings" };
  if (defaultPolicy) {
    const policy = policyByName(policies, defaultPolicy);
    if (!policy) return { ok: false, message: `the default policy "${defaultPolicy}" is not loaded` };
    return { ok: true, candidates: [policy], via: "default" };
  }
  return { ok: true, candidates: [], via: "none" };
}
