// PSP allowPrivilegeEscalation / defaultAllowPrivilegeEscalation (psp-semantics 5.8): an unset
// container value gets the policy default, else false when the policy forbids escalation; a container
// value other than false is rejected when the policy forbids escalation.
import { containerContext, isUnset, setContainerField } from "./security-context.js";
import type { ContainerStep } from "./types.js";

export const defaultAllowPrivilegeEscalation: ContainerStep = (view, _pod, policy, out) => {
  if (!isUnset(containerContext(view)?.allowPrivilegeEscalation)) return;
  const path = `${view.path}.securityContext.allowPrivilegeEscalation`;
  if (policy.defaultAllowPrivilegeEscalation !== undefined) {
    const value = policy.defaultAllowPrivilegeEscalation;
    setContainerField(view, "allowPrivilegeEscalation", value);
    out.reasons.push({
      path,
      field: "defaultAllowPrivilegeEscalation",
      message: `set allowPrivilegeEscalation to ${value} (defaultAllowPrivilegeEscalation: ${value})`,
    });
  } else if (!policy.allowPrivilegeEscalation) {
    setContainerField(view, "allowPrivilegeEscalation", false);
    out.reasons.push({
      path,
      field: "allowPrivilegeEscalation",
      message: "set allowPrivilegeEscalation to false (allowPrivilegeEscalation: false)",
    });
  }
};

export const checkAllowPrivilegeEscalation: ContainerStep = (view, _pod, policy, out) => {
  if (policy.allowPrivilegeEscalation) return;
  if (containerContext(view)?.allowPrivilegeEscalation === false) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.allowPrivilegeEscalation`,
    field: "allowPrivilegeEscalation",
    message: "Allowing privilege escalation for containers is not allowed",
  });
};
