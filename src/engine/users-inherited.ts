// Shared wording for checks on effective (pod + container) values: say when the value a container is
// judged on comes from the pod's securityContext, so the reader knows where to fix it.
import { containerContext, isUnset, podContext, type InheritedField } from "./security-context.js";
import type { ContainerView, Pod } from "./types.js";

/** True when the container does not set `field` itself but the pod does. */
export function isInherited(view: ContainerView, pod: Pod, field: InheritedField): boolean {
  return isUnset(containerContext(view)?.[field]) && !isUnset(podContext(pod)?.[field]);
}

/** ` (inherited from spec.securityContext.<field>)` when the value comes from the pod, else empty. */
export function inheritedNote(view: ContainerView, pod: Pod, field: InheritedField): string {
  return isInherited(view, pod, field) ? ` (inherited from spec.securityContext.${field})` : "";
}
