// Who may use a policy: PSP's authorization rule, without an API call. PSP asked the authorizer whether the
// requesting user, or the Pod's ServiceAccount, may `use` the policy in the Pod's namespace
// (admission.go isAuthorizedForPolicy). Here the grants are the policy's own `subjects`, matched as RBAC
// matches a binding's subjects (rbac/v1 appliesTo): a User by name, a Group by membership, a
// ServiceAccount by its username `system:serviceaccount:<namespace>:<name>`. Pure.
import type { Pod, Policy, PolicySubject } from "../engine/types.js";

/** The requesting user, as the AdmissionReview's `request.userInfo` carries it (extra and uid are not used). */
export interface UserInfo {
  username: string;
  groups: string[];
}

/** Who asks for a Pod: the requesting user and the Pod's ServiceAccount (undefined: the Pod has none). */
export interface Requester {
  userInfo: UserInfo;
  serviceAccountName?: string;
}

export const AUTHENTICATED_GROUP = "system:authenticated";
export const ANONYMOUS_USER = "system:anonymous";
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";
/** The API server authorizes this group for everything before RBAC is asked (cluster admins). */
export const MASTERS_GROUP = "system:masters";
export const DEFAULT_SERVICE_ACCOUNT = "default";
/** kubelet's static Pods are mirrored with this annotation; ServiceAccount admission gives them no ServiceAccount. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/** A request with no userInfo: an authenticated user with no name and no other group. */
export const AUTHENTICATED_USER: UserInfo = Object.freeze({ username: "", groups: Object.freeze([AUTHENTICATED_GROUP]) as string[] });

/** serviceaccount.MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** serviceaccount.MakeGroupNames: every ServiceAccount is in both groups. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** The namespace and name of a ServiceAccount username, if it is one. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

/**
 * The identity PSP checked for the Pod's ServiceAccount (serviceaccount.UserInfo): its username and the
 * two ServiceAccount groups, not `system:authenticated`.
 */
export function serviceAccountUserInfo(namespace: string, name: string): UserInfo {
  return { username: serviceAccountUsername(namespace, name), groups: serviceAccountGroups(namespace) };
}

/**
 * A user as the API server's authenticators present it: the given groups, plus the ServiceAccount groups
 * for a ServiceAccount username, plus `system:authenticated` (every authenticated request has it), in
 * that order and without duplicates. `authenticatedUser()` is the preview's "authenticated user with no
 * other group"; `authenticatedUser("system:serviceaccount:shop:web")` is a request by that ServiceAccount.
 * `system:anonymous` (an unauthenticated request) gets `system:unauthenticated` instead.
 */
export function authenticatedUser(username = "", groups: readonly string[] = []): UserInfo {
  if (username === ANONYMOUS_USER) return { username, groups: [...new Set([...groups, UNAUTHENTICATED_GROUP])] };
  const serviceAccount = parseServiceAccountUsername(username);
  const all = [...groups, ...(serviceAccount ? serviceAccountGroups(serviceAccount.namespace) : []), AUTHENTICATED_GROUP];
  return { username, groups: [...new Set(all)] };
}

/**
 * The Pod's ServiceAccount as admission sees it: `spec.serviceAccountName` (or the deprecated
 * `spec.serviceAccount`), else `default`, which the ServiceAccount admission plugin writes before any
 * webhook runs; a mirror Pod has none.
 */
export function podServiceAccount(pod: Pod): string | undefined {
  const spec = pod.spec as { serviceAccountName?: unknown; serviceAccount?: unknown } | undefined;
  if (typeof spec?.serviceAccountName === "string" && spec.serviceAccountName) return spec.serviceAccountName;
  if (typeof spec?.serviceAccount === "string" && spec.serviceAccount) return spec.serviceAccount;
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return undefined;
  return DEFAULT_SERVICE_ACCOUNT;
}

/** RBAC's appliesTo for one subject of a binding (the subject's namespace is always given here). */
export function subjectMatches(subject: PolicySubject, user: UserInfo): boolean {
  switch (subject.kind) {
    case "User":
      return user.username === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount":
      return subject.namespace !== undefined && user.username === serviceAccountUsername(subject.namespace, subject.name);
    default:
      return false;
  }
}

/**
 * Whether `user` may use `policy` for a Pod in `namespace`. No subjects: everyone may. A subject limited
 * with `inNamespaces` grants only there (and nothing when the namespace is unknown). Members of
 * `system:masters` may use every policy, as the API server's authorizer allowed them everything.
 */
export function grantsTo(policy: Policy, user: UserInfo, namespace?: string): boolean {
  if (!policy.subjects) return true;
  if (user.groups.includes(MASTERS_GROUP)) return true;
  return policy.subjects.some(
    (s) => (s.inNamespaces === undefined || (namespace !== undefined && s.inNamespaces.includes(namespace))) && subjectMatches(s, user),
  );
}

/**
 * PSP's isAuthorizedForPolicy: the Pod's ServiceAccount (in the Pod's namespace) or the requesting user
 * may use the policy there. Without a namespace the ServiceAccount is unknown, so only the user counts.
 */
export function isGranted(policy: Policy, requester: Requester, namespace?: string): boolean {
  return grantChecker(requester, namespace)(policy);
}

/** isGranted for one requester and namespace, for many policies (the ServiceAccount identity built once). */
export function grantChecker(requester: Requester, namespace?: string): (policy: Policy) => boolean {
  const sa = requester.serviceAccountName;
  const saUser = sa !== undefined && namespace ? serviceAccountUserInfo(namespace, sa) : undefined;
  return (policy) => !policy.subjects || (saUser !== undefined && grantsTo(policy, saUser, namespace)) || grantsTo(policy, requester.userInfo, namespace);
}

/**
 * Who asked, for denials: `user "alice" (groups: dev, system:authenticated) or ServiceAccount
 * "shop/default" in namespace "shop"`.
 */
export function describeRequester(requester: Requester, namespace?: string): string {
  const { username, groups } = requester.userInfo;
  const user = `${username ? `user "${username}"` : "a user with no name"} (groups: ${groups.length ? groups.join(", ") : "none"})`;
  const sa = requester.serviceAccountName;
  if (!namespace) return `${user} (without a namespace the Pod's ServiceAccount is not considered)`;
  if (sa === undefined) return `${user} in namespace "${namespace}" (the Pod has no ServiceAccount)`;
  return `${user} or to ServiceAccount "${namespace}/${sa}" in namespace "${namespace}"`;
}
