// One policy applied to one Pod: PSP's MutatePod then ValidatePod, in PSP's order, on a private copy.
import { checkAppArmor, defaultAppArmor } from "./apparmor.js";
import { checkCapabilities, defaultCapabilities } from "./capabilities.js";
import { containerViews } from "./containers.js";
import { checkReadOnlyRootFilesystem, defaultReadOnlyRootFilesystem } from "./filesystem.js";
import {
  checkFsGroup,
  checkRunAsGroup,
  checkSupplementalGroups,
  defaultFsGroup,
  defaultRunAsGroup,
  defaultSupplementalGroups,
} from "./groups.js";
import { checkHostIPC, checkHostNetwork, checkHostPID } from "./host-namespaces.js";
import { checkHostPorts } from "./host-ports.js";
import { checkContainerStandard, checkPodStandard, defaultStandardRunAsNonRoot } from "./pod-security-standard.js";
import { checkAllowPrivilegeEscalation, defaultAllowPrivilegeEscalation } from "./privilege-escalation.js";
import { checkPrivileged } from "./privileged.js";
import { privateCopy } from "./private-copy.js";
import { checkProcMount } from "./proc-mount.js";
import { checkRuntimeClass, defaultRuntimeClass } from "./runtime-class.js";
import { checkContainerSeccomp, checkPodSeccomp, defaultContainerSeccomp, defaultPodSeccomp } from "./seccomp.js";
import { checkContainerSeLinux, checkPodSeLinux, defaultContainerSeLinux, defaultPodSeLinux } from "./selinux.js";
import { warnDefaultedRunAsNonRoot } from "./run-as-non-root-warning.js";
import { defaultScratchSpace } from "./scratch-space.js";
import { checkSysctls } from "./sysctls.js";
import type { ContainerStep, ContainerView, Findings, Pod, PodStep, Policy, Reason, Violation } from "./types.js";
import { checkRootWithRunAsNonRoot } from "./user-namespaces.js";
import { checkRunAsUser, defaultRunAsNonRoot, defaultRunAsUser } from "./users.js";
import { checkVolumes } from "./volumes.js";
import { checkWindowsContainerFields, checkWindowsPodFields, isWindowsPod, WINDOWS_WARNING } from "./windows.js";

/** PSP MutatePod, pod level (provider.go order). */
const POD_DEFAULTS: readonly PodStep[] = [
  defaultSupplementalGroups,
  defaultFsGroup,
  defaultPodSeLinux,
  defaultPodSeccomp,
  defaultRuntimeClass,
];

/** PSP MutatePod, per container. */
const CONTAINER_DEFAULTS: readonly ContainerStep[] = [
  defaultRunAsUser,
  defaultRunAsGroup,
  defaultContainerSeLinux,
  defaultAppArmor,
  defaultContainerSeccomp,
  defaultRunAsNonRoot,
  defaultStandardRunAsNonRoot,
  defaultCapabilities,
  defaultReadOnlyRootFilesystem,
  defaultAllowPrivilegeEscalation,
];

/**
 * Pod-level defaults that depend on what the container defaults did (not PSP): scratch space where
 * readOnlyRootFilesystem was defaulted. Before the checks, so what they add is checked too.
 */
const POD_DEFAULTS_AFTER_CONTAINERS: readonly PodStep[] = [defaultScratchSpace];

/** PSP ValidatePod, pod level. */
const POD_CHECKS: readonly PodStep[] = [
  checkFsGroup,
  checkSupplementalGroups,
  checkPodSeccomp,
  checkPodSeLinux,
  checkHostNetwork,
  checkHostPID,
  checkHostIPC,
  checkSysctls,
  checkVolumes,
  checkRuntimeClass,
  checkPodStandard,
];

/** PSP ValidatePod, per container. */
const CONTAINER_CHECKS: readonly ContainerStep[] = [
  checkRunAsUser,
  checkRootWithRunAsNonRoot,
  checkRunAsGroup,
  checkContainerSeLinux,
  checkAppArmor,
  checkContainerSeccomp,
  checkPrivileged,
  checkProcMount,
  checkCapabilities,
  checkHostPorts,
  checkReadOnlyRootFilesystem,
  checkAllowPrivilegeEscalation,
  checkContainerStandard,
];

/**
 * Steps that default or check settings the API server refuses on Windows Pods (windows.ts): skipped for
 * them, and a Windows Pod that sets such a setting is denied instead (checkWindows*Fields). What remains
 * for a Windows Pod: runAsNonRoot, runtimeClass, privileged, procMount, host namespaces and ports,
 * sysctls, volumes and the Pod Security Standard checks.
 */
const LINUX_ONLY: ReadonlySet<PodStep | ContainerStep> = new Set<PodStep | ContainerStep>([
  defaultSupplementalGroups,
  defaultFsGroup,
  defaultPodSeLinux,
  defaultPodSeccomp,
  defaultRunAsUser,
  defaultRunAsGroup,
  defaultContainerSeLinux,
  defaultAppArmor,
  defaultContainerSeccomp,
  defaultCapabilities,
  defaultReadOnlyRootFilesystem,
  defaultAllowPrivilegeEscalation,
  defaultScratchSpace,
  checkFsGroup,
  checkSupplementalGroups,
  checkPodSeccomp,
  checkPodSeLinux,
  checkRunAsUser,
  checkRootWithRunAsNonRoot,
  checkRunAsGroup,
  checkContainerSeLinux,
  checkAppArmor,
  checkContainerSeccomp,
  checkCapabilities,
  checkReadOnlyRootFilesystem,
  checkAllowPrivilegeEscalation,
]);

interface StepLists {
  podDefaults: readonly PodStep[];
  containerDefaults: readonly ContainerStep[];
  podDefaultsAfterContainers: readonly PodStep[];
  podChecks: readonly PodStep[];
  containerChecks: readonly ContainerStep[];
}

const LINUX_STEPS: StepLists = {
  podDefaults: POD_DEFAULTS,
  containerDefaults: CONTAINER_DEFAULTS,
  podDefaultsAfterContainers: POD_DEFAULTS_AFTER_CONTAINERS,
  podChecks: POD_CHECKS,
  containerChecks: CONTAINER_CHECKS,
};
const withoutLinuxOnly = <T extends PodStep | ContainerStep>(steps: readonly T[]): T[] => steps.filter((step) => !LINUX_ONLY.has(step));
const WINDOWS_STEPS: StepLists = {
  podDefaults: withoutLinuxOnly(POD_DEFAULTS),
  containerDefaults: withoutLinuxOnly(CONTAINER_DEFAULTS),
  podDefaultsAfterContainers: withoutLinuxOnly(POD_DEFAULTS_AFTER_CONTAINERS),
  podChecks: [checkWindowsPodFields, ...withoutLinuxOnly(POD_CHECKS)],
  containerChecks: [checkWindowsContainerFields, ...withoutLinuxOnly(CONTAINER_CHECKS)],
};

export interface ProviderScope {
  /**
   * Only these ephemeral containers (by index in spec.ephemeralContainers) are defaulted and checked, and
   * pod-level steps are skipped: the `pods/ephemeralcontainers` subresource may change nothing else.
   */
  ephemeralContainers?: ReadonlySet<number>;
}

export interface ProviderOutcome {
  policy: Policy;
  /** The provider's private, mutated copy. */
  pod: Pod;
  mutated: boolean;
  reasons: Reason[];
  violations: Violation[];
  warnings: string[];
}

function inScope(view: ContainerView, scope: ProviderScope): boolean {
  if (!scope.ephemeralContainers) return true;
  return view.list === "ephemeralContainers" && scope.ephemeralContainers.has(view.index);
}

/** Mutates a copy of `input` under `policy`, then validates the copy. Never touches `input`. */
export function runProvider(input: Pod, policy: Policy, scope: ProviderScope = {}): ProviderOutcome {
  const pod = privateCopy(input);
  const out: Findings = { reasons: [], violations: [], warnings: [] };
  const podLevel = !scope.ephemeralContainers;
  const windows = isWindowsPod(pod);
  const steps = windows ? WINDOWS_STEPS : LINUX_STEPS;
  if (windows) out.warnings.push(WINDOWS_WARNING);

  if (podLevel) for (const step of steps.podDefaults) step(pod, policy, out);
  const all = containerViews(pod);
  const views = scope.ephemeralContainers ? all.filter((v) => inScope(v, scope)) : all;
  for (const view of views) for (const step of steps.containerDefaults) step(view, pod, policy, out);
  if (podLevel) for (const step of steps.podDefaultsAfterContainers) step(pod, policy, out);

  if (podLevel) for (const step of steps.podChecks) step(pod, policy, out);
  for (const view of views) for (const step of steps.containerChecks) step(view, pod, policy, out);
  // Not PSP: a Linux Pod this policy admits hears about the breakage the engine cannot see (the image's USER).
  if (!windows && out.violations.length === 0) warnDefaultedRunAsNonRoot(pod, policy, out);

  return { policy, pod, mutated: out.reasons.length > 0, ...out };
}
