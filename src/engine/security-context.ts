// Reading effective (pod + container) security settings and writing container/pod settings the way
// PSP did: a securityContext object is created only when a value is actually written.
import type { PodSecurityContext, SecurityContext } from "kubernetes-types/core/v1.js";
import type { ContainerView, Pod } from "./types.js";
import { isObject } from "./json.js";

/** Fields that exist at both pod and container level; the container's value wins when set. */
export type InheritedField = "runAsUser" | "runAsGroup" | "runAsNonRoot" | "seLinuxOptions";

export function podContext(pod: Pod): PodSecurityContext | undefined {
  return pod.spec?.securityContext ?? undefined;
}

export function containerContext(view: ContainerView): SecurityContext | undefined {
  return view.container.securityContext ?? undefined;
}

/** The container's value if set, else the pod's (PSP's "effective" accessor). `null` counts as unset. */
export function effective<F extends InheritedField>(view: ContainerView, pod: Pod, field: F): SecurityContext[F] | undefined {
  const own = containerContext(view)?.[field];
  if (own !== undefined && own !== null) return own;
  const inherited = podContext(pod)?.[field];
  return inherited === null ? undefined : (inherited as SecurityContext[F] | undefined);
}

/**
 * Writes one container securityContext field, creating the object if needed. The provider's private Pod
 * has its own securityContext objects (private-copy.ts), so writing in place never touches the input.
 */
export function setContainerField<F extends keyof SecurityContext>(view: ContainerView, field: F, value: SecurityContext[F]): void {
  const container = view.container;
  if (!isObject(container.securityContext)) container.securityContext = {};
  container.securityContext[field] = value;
}

/** Writes one pod securityContext field, creating the object (and spec) if needed. */
export function setPodField<F extends keyof PodSecurityContext>(pod: Pod, field: F, value: PodSecurityContext[F]): void {
  if (!pod.spec) throw new Error("pod has no spec");
  if (!isObject(pod.spec.securityContext)) pod.spec.securityContext = {};
  pod.spec.securityContext[field] = value;
}

/** True when a value counts as "unset" for PSP (absent or JSON null). */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}
