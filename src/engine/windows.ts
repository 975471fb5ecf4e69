// Windows Pods (`spec.os.name: windows`). The API server refuses Linux-only securityContext fields on them
// (runAsUser, runAsGroup, fsGroup, supplementalGroups, seLinuxOptions, seccompProfile, appArmorProfile,
// capabilities, readOnlyRootFilesystem, allowPrivilegeEscalation, privileged, procMount), and Pod Security
// Admission exempts them from the checks of those settings. PSP predates `spec.os`, so it would have
// written them and the Pod would have been refused; we skip the strategies of Linux-only settings instead
// (provider.ts), the way PSA does. Without `spec.os` a Pod counts as Linux, as in PSA.
import type { ContainerStep, Pod, PodStep } from "./types.js";

export function isWindowsPod(pod: Pod): boolean {
  return pod.spec?.os?.name === "windows";
}

/** The engine warning for a Windows Pod (kubectl shows it; at most 120 characters). */
export const WINDOWS_WARNING =
  "Windows Pod (spec.os.name: windows): Linux-only settings were neither defaulted nor checked";

/** Pod securityContext fields the API server refuses on a Windows Pod. */
const LINUX_ONLY_POD_FIELDS = [
  "runAsUser",
  "runAsGroup",
  "fsGroup",
  "fsGroupChangePolicy",
  "supplementalGroups",
  "supplementalGroupsPolicy",
  "seLinuxOptions",
  "seccompProfile",
  "appArmorProfile",
  "sysctls",
] as const;

/** Container securityContext fields the API server refuses on a Windows Pod. */
const LINUX_ONLY_CONTAINER_FIELDS = [
  "runAsUser",
  "runAsGroup",
  "seLinuxOptions",
  "seccompProfile",
  "appArmorProfile",
  "capabilities",
  "readOnlyRootFilesystem",
  "privileged",
  "allowPrivilegeEscalation",
  "procMount",
] as const;

const WINDOWS_MESSAGE = "may not be set on a Windows Pod (spec.os.name: windows): the API server refuses Linux-only settings";

function setFields(context: unknown, fields: readonly string[]): string[] {
  if (!context || typeof context !== "object") return [];
  return fields.filter((field) => {
    const value = (context as Record<string, unknown>)[field];
    return value !== undefined && value !== null;
  });
}

/**
 * Validation, pod level, Windows Pods only: the Linux-only fields the Pod sets. The strategies that judge
 * those fields are skipped for Windows Pods, so this keeps them out of what is admitted, with the reason
 * the API server would give later.
 */
export const checkWindowsPodFields: PodStep = (pod, policy, out) => {
  for (const field of setFields(pod.spec?.securityContext, LINUX_ONLY_POD_FIELDS)) {
    out.violations.push({ policy: policy.name, path: `spec.securityContext.${field}`, field: "", message: WINDOWS_MESSAGE });
  }
};

/** The same, per container. */
export const checkWindowsContainerFields: ContainerStep = (view, _pod, policy, out) => {
  for (const field of setFields(view.container.securityContext, LINUX_ONLY_CONTAINER_FIELDS)) {
    out.violations.push({ policy: policy.name, path: `${view.path}.securityContext.${field}`, field: "", message: WINDOWS_MESSAGE });
  }
};
