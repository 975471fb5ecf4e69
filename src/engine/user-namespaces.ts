// SecureDefaultsPolicy extension `userNamespaces` (not PSP): a Pod with `spec.hostUsers: false` runs in
// a user namespace, where uid and gid 0 in the container map to unprivileged ids on the node. For such a
// Pod the strategies set under `userNamespaces` replace the policy's own runAsUser, runAsGroup and
// allowedProcMountTypes (defaults and checks alike). One thing stays refused whatever the strategy: a
// container that must run as non-root with uid 0, which the kubelet will not start.
import { effective } from "./security-context.js";
import type { ContainerStep, GroupStrategy, Pod, Policy, UserStrategy } from "./types.js";

export function inUserNamespace(pod: Pod): boolean {
  return pod.spec?.hostUsers === false;
}

/** A strategy in force for one Pod, with the policy field it comes from (for reasons and violations). */
export interface InForce<T> {
  strategy: T;
  field: string;
}

export function runAsUserInForce(pod: Pod, policy: Policy): InForce<UserStrategy> {
  const own = inUserNamespace(pod) ? policy.userNamespaces?.runAsUser : undefined;
  return own ? { strategy: own, field: "userNamespaces.runAsUser" } : { strategy: policy.runAsUser, field: "runAsUser" };
}

export function runAsGroupInForce(pod: Pod, policy: Policy): InForce<GroupStrategy> {
  const own = inUserNamespace(pod) ? policy.userNamespaces?.runAsGroup : undefined;
  return own ? { strategy: own, field: "userNamespaces.runAsGroup" } : { strategy: policy.runAsGroup, field: "runAsGroup" };
}

export function procMountTypesInForce(pod: Pod, policy: Policy): InForce<string[]> {
  const own = inUserNamespace(pod) ? policy.userNamespaces?.allowedProcMountTypes : undefined;
  const [list, field] = own ? [own, "userNamespaces.allowedProcMountTypes"] : [policy.allowedProcMountTypes, "allowedProcMountTypes"];
  return { strategy: list.length > 0 ? list : ["Default"], field };
}

/** Whether a user strategy refuses uid 0 on its own (so another check need not say it again). */
export function refusesRootUid(strategy: UserStrategy): boolean {
  if (strategy.rule === "MustRunAsNonRoot") return true;
  if (strategy.rule === "MustRunAs") return !strategy.ranges.some((r) => r.min <= 0 && 0 <= r.max);
  return false;
}

/**
 * The kubelet refuses to start a container whose effective runAsNonRoot is true and runAsUser is 0, in a
 * user namespace too. Reported for user-namespaced Pods whose runAsUser strategy lets uid 0 through.
 */
export const checkRootWithRunAsNonRoot: ContainerStep = (view, pod, policy, out) => {
  if (!inUserNamespace(pod)) return;
  const { strategy, field } = runAsUserInForce(pod, policy);
  if (refusesRootUid(strategy)) return;
  if (effective(view, pod, "runAsNonRoot") !== true || effective(view, pod, "runAsUser") !== 0) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.runAsUser`,
    field,
    message: "runAsUser 0 with runAsNonRoot true: the kubelet refuses to start this container (a user namespace does not change that); drop runAsNonRoot or run as a non-zero uid",
  });
};
