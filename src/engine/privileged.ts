// PSP privileged (psp-semantics 5.9): never defaulted; `privileged: true` needs a privileged policy.
import { containerContext } from "./security-context.js";
import type { ContainerStep } from "./types.js";

export const checkPrivileged: ContainerStep = (view, _pod, policy, out) => {
  if (policy.privileged || containerContext(view)?.privileged !== true) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.privileged`,
    field: "privileged",
    message: "Privileged containers are not allowed",
  });
};
