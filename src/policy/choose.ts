// Which policies may admit a Pod in a namespace: first those granted to who asks (the requesting user or
// the Pod's ServiceAccount, PSP's `use` rule), then among them the one the namespace label names, else
// the policies bound to the namespace (or unbound), else the --default-policy. Pure: namespace labels
// and the requester are passed in by the caller.
import type { Policy } from "../engine/types.js";
import { candidatesFor, policyByName } from "./bindings.js";
import { AUTHENTICATED_USER, describeRequester, grantChecker, type Requester } from "./subjects.js";

/** Namespace label naming the policy for the namespace's Pods. */
export const POLICY_LABEL = "secure-defaults.io/policy";
/** Namespace label the MutatingWebhookConfiguration selects on (the webhook itself does not check it). */
export const ENABLED_LABEL = "secure-defaults.io/enabled";
/**
 * The control plane's namespaces: the shipped webhook configuration never sends their Pods, whatever their
 * labels (cluster DNS lives in kube-system), and no network default isolates them.
 */
export const CONTROL_PLANE_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

export type NamespaceLabels = Readonly<Record<string, string>>;

export type PolicyChoice =
  | {
      ok: true;
      candidates: Policy[];
      /** How the candidates were found: namespace label, bindings (incl. unbound policies), default, or none at all. */
      via: "label" | "bindings" | "default" | "none";
    }
  | {
      ok: false;
      message: string;
      /** The Pod field the denial is about (relative to the Pod): the namespace, or the ServiceAccount. */
      path: "metadata.namespace" | "spec.serviceAccountName";
    };

/** A denial lists at most this many policies that are not granted, then "and N more". */
const NOT_GRANTED_MAX_NAMES = 10;

/** A request with no identity: an authenticated user with no name, whose Pod has no ServiceAccount. */
const NO_REQUESTER: Requester = { userInfo: AUTHENTICATED_USER };

function notGranted(policies: readonly Policy[], requester: Requester, namespace: string): PolicyChoice {
  const names = [...new Set(policies.map((p) => p.name))].sort();
  const shown = names.slice(0, NOT_GRANTED_MAX_NAMES).map((n) => `"${n}"`);
  const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : "";
  return {
    ok: false,
    path: "spec.serviceAccountName",
    message: `no policy is granted to ${describeRequester(requester, namespace || undefined)}; policies not granted to them: ${shown.join(", ")}${more}`,
  };
}

/**
 * @param labels the namespace's labels, or undefined when they are not known (no cluster connection):
 *   then the policy files alone decide.
 * @param requester who asks: the request's userInfo and the Pod's ServiceAccount (see podServiceAccount).
 *   Policies with `subjects` are candidates only when granted to one of them in `namespace`; without a
 *   requester, only policies granted to every authenticated user are.
 */
export function choosePolicies(
  policies: readonly Policy[],
  namespace: string,
  labels: NamespaceLabels | undefined,
  defaultPolicy?: string,
  requester: Requester = NO_REQUESTER,
): PolicyChoice {
  const ns = namespace || undefined;
  const granted = grantChecker(requester, ns);
  const named = labels?.[POLICY_LABEL];
  if (named !== undefined) {
    const policy = policyByName(policies, named);
    if (!policy) {
      return {
        ok: false,
        path: "metadata.namespace",
        message: `namespace "${namespace}" is labelled ${POLICY_LABEL}=${named}, but no policy named "${named}" is loaded`,
      };
    }
    if (!granted(policy)) return notGranted([policy], requester, namespace);
    return { ok: true, candidates: [policy], via: "label" };
  }
  const applying = candidatesFor(policies, ns, labels);
  const bound = applying.filter(granted);
  if (bound.length > 0) return { ok: true, candidates: bound, via: "bindings" };
  const fallback = defaultPolicy ? policyByName(policies, defaultPolicy) : undefined;
  if (defaultPolicy && !fallback) return { ok: false, path: "metadata.namespace", message: `the default policy "${defaultPolicy}" is not loaded` };
  if (fallback && granted(fallback)) return { ok: true, candidates: [fallback], via: "default" };
  const refused = fallback ? [...applying, fallback] : applying;
  if (refused.length > 0) return notGranted(refused, requester, namespace);
  return { ok: true, candidates: [], via: "none" };
}
