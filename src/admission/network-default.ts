// Which network default a namespace gets, and the NetworkPolicies that means. The policy is chosen as
// for the namespace's Pods (policy/choose.ts: label, bindings, --default-policy). Pod admission picks among
// several candidates per Pod; a namespace needs one answer, so the first candidate by name that
// declares a network default wins. Pure: labels come from the caller.
import { byName } from "../engine/select.js";
import type { Policy } from "../engine/types.js";
import { networkPoliciesFor, type NetworkPolicyObject } from "../policy/network-policies.js";
import { choosePolicies, ENABLED_LABEL, type NamespaceLabels } from "../policy/choose.js";

export type NetworkChoice =
  | {
      ok: true;
      /** The policy whose network default applies; undefined when no candidate declares one. */
      policy?: string;
      objects: NetworkPolicyObject[];
    }
  | { ok: false; message: string };

/** Opted in to the webhook: the label the MutatingWebhookConfiguration selects on is "true". */
export function optedIn(labels: NamespaceLabels): boolean {
  return labels[ENABLED_LABEL] === "true";
}

export function chooseNetworkDefault(
  policies: readonly Policy[],
  namespace: string,
  labels: NamespaceLabels | undefined,
  defaultPolicy?: string,
): NetworkChoice {
  // No requester: a namespace's network default cannot depend on who creates its Pods, so only policies
  // granted to every authenticated user (no subjects, or system:authenticated) count here.
  const choice = choosePolicies(policies, namespace, labels, defaultPolicy);
  if (!choice.ok) return { ok: false, message: choice.message };
  const declaring = choice.candidates.filter((p) => p.networkDefault).sort(byName);
  const winner = declaring[0];
  if (!winner?.networkDefault) return { ok: true, objects: [] };
  return { ok: true, policy: winner.name, objects: networkPoliciesFor(winner.networkDefault, namespace, winner.name) };
}
