// procMount (psp-semantics 6): the container's procMount (unset = Default) must be one of the
// policy's allowedProcMountTypes (empty = [Default]). Never mutated.
import type { ContainerStep } from "./types.js";

export const checkProcMount: ContainerStep = (view, _pod, policy, out) => {
  const own = view.container.securityContext?.procMount;
  const procMount = typeof own === "string" ? own : "Default";
  const allowed = policy.allowedProcMountTypes.length > 0 ? policy.allowedProcMountTypes : ["Default"];
  if (allowed.includes(procMount)) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.procMount`,
    field: "allowedProcMountTypes",
    message: `ProcMountType ${procMount} is not allowed. Allowed types: [${allowed.join(", ")}]`,
  });
};
