// PSP readOnlyRootFilesystem (psp-semantics 5.7): default an unset container value to true when the
// policy requires it; an explicit false is kept and rejected. Volumes are never touched.
import { containerContext, isUnset, setContainerField } from "./security-context.js";
import type { ContainerStep } from "./types.js";

export const defaultReadOnlyRootFilesystem: ContainerStep = (view, _pod, policy, out) => {
  if (!policy.readOnlyRootFilesystem || !isUnset(containerContext(view)?.readOnlyRootFilesystem)) return;
  setContainerField(view, "readOnlyRootFilesystem", true);
  out.reasons.push({
    path: `${view.path}.securityContext.readOnlyRootFilesystem`,
    field: "readOnlyRootFilesystem",
    message: "set readOnlyRootFilesystem to true (readOnlyRootFilesystem: true)",
  });
};

export const checkReadOnlyRootFilesystem: ContainerStep = (view, _pod, policy, out) => {
  if (!policy.readOnlyRootFilesystem) return;
  const value = containerContext(view)?.readOnlyRootFilesystem;
  if (value === true) return;
  out.violations.push({
    policy: policy.name,
    path: `${view.path}.securityContext.readOnlyRootFilesystem`,
    field: "readOnlyRootFilesystem",
    message: isUnset(value) ? "ReadOnlyRootFilesystem may not be nil and must be set to true" : "ReadOnlyRootFilesystem must be set to true",
  });
};
