// procMount (psp-semantics 6): the container's procMount (unset = Default) must be one of the
// policy's allowedProcMountTypes (empty = [Default]), or for a Pod in a user namespace of
// userNamespaces.allowedProcMountTypes when the policy sets it. Never mutated.
import type { ContainerStep } from "./types.js";
import { procMountTypesInForce } from "./user-namespaces.js";

export const checkProcMount: ContainerStep = (view, pod, policy, out) => {
  const own = view.container.securityContext?.procMount;
  const procMount = typeof own === "string" ? own : "Default";
  const { strategy: allowed, field } = procMountTypesInForce(pod, policy);
  if (allowed.includes(procMount)) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.procMount`,
    field,
    message: `ProcMountType ${procMount} is not allowed. Allowed types: [${allowed.join(", ")}]`,
  });
};
