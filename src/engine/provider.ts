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
import { privateCopy, unchanged } from "./private-copy.js";
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

/**
 * Which Pods a step runs for. Linux-only: it defaults or checks settings the API server refuses on
 * Windows Pods (windows.ts), so it is skipped for them, and a Windows Pod that sets such a setting is
 * denied instead (the Windows-only checkWindows*Fields). What runs for a Windows Pod: runAsNonRoot,
 * runtimeClass, privileged, procMount, host namespaces and ports, sysctls, volumes and the Pod Security
 * Standard checks. Every list entry says which, so a new step cannot be listed without deciding.
 */
type Platform = "any" | "linux" | "windows";

interface ListedStep<S> {
  step: S;
  platform: Platform;
}

const anyOs = <S>(step: S): ListedStep<S> => ({ step, platform: "any" });
const linuxOnly = <S>(step: S): ListedStep<S> => ({ step, platform: "linux" });
const windowsOnly = <S>(step: S): ListedStep<S> => ({ step, platform: "windows" });

/** PSP MutatePod, pod level (provider.go order). */
const POD_DEFAULTS: readonly ListedStep<PodStep>[] = [
  linuxOnly(defaultSupplementalGroups),
  linuxOnly(defaultFsGroup),
  linuxOnly(defaultPodSeLinux),
  linuxOnly(defaultPodSeccomp),
  anyOs(defaultRuntimeClass),
];

/** PSP MutatePod, per container. */
const CONTAINER_DEFAULTS: readonly ListedStep<ContainerStep>[] = [
  linuxOnly(defaultRunAsUser),
  linuxOnly(defaultRunAsGroup),
  linuxOnly(defaultContainerSeLinux),
  linuxOnly(defaultAppArmor),
  linuxOnly(defaultContainerSeccomp),
  anyOs(defaultRunAsNonRoot),
  anyOs(defaultStandardRunAsNonRoot),
  linuxOnly(defaultCapabilities),
  linuxOnly(defaultReadOnlyRootFilesystem),
  linuxOnly(defaultAllowPrivilegeEscalation),
];

/**
 * Pod-level defaults that depend on what the container defaults did (not PSP): scratch space where
 * readOnlyRootFilesystem was defaulted. Before the checks, so what they add is checked too.
 */
const POD_DEFAULTS_AFTER_CONTAINERS: readonly ListedStep<PodStep>[] = [linuxOnly(defaultScratchSpace)];

/** PSP ValidatePod, pod level. */
const POD_CHECKS: readonly ListedStep<PodStep>[] = [
  windowsOnly(checkWindowsPodFields),
  linuxOnly(checkFsGroup),
  linuxOnly(checkSupplementalGroups),
  linuxOnly(checkPodSeccomp),
  linuxOnly(checkPodSeLinux),
  anyOs(checkHostNetwork),
  anyOs(checkHostPID),
  anyOs(checkHostIPC),
  anyOs(checkSysctls),
  anyOs(checkVolumes),
  anyOs(checkRuntimeClass),
  anyOs(checkPodStandard),
];

/** PSP ValidatePod, per container. */
const CONTAINER_CHECKS: readonly ListedStep<ContainerStep>[] = [
  windowsOnly(checkWindowsContainerFields),
  linuxOnly(checkRunAsUser),
  linuxOnly(checkRootWithRunAsNonRoot),
  linuxOnly(checkRunAsGroup),
  linuxOnly(checkContainerSeLinux),
  linuxOnly(checkAppArmor),
  linuxOnly(checkContainerSeccomp),
  anyOs(checkPrivileged),
  anyOs(checkProcMount),
  linuxOnly(checkCapabilities),
  anyOs(checkHostPorts),
  linuxOnly(checkReadOnlyRootFilesystem),
  linuxOnly(checkAllowPrivilegeEscalation),
  anyOs(checkContainerStandard),
];

/** The steps a provider runs for a Linux or a Windows Pod, in order. */
export interface StepLists {
  podDefaults: readonly PodStep[];
  containerDefaults: readonly ContainerStep[];
  podDefaultsAfterContainers: readonly PodStep[];
  podChecks: readonly PodStep[];
  containerChecks: readonly ContainerStep[];
}

function stepsFor(windows: boolean): StepLists {
  const runs = <S>(steps: readonly ListedStep<S>[]): S[] =>
    steps.filter((s) => s.platform === "any" || s.platform === (windows ? "windows" : "linux")).map((s) => s.step);
  return {
    podDefaults: runs(POD_DEFAULTS),
    containerDefaults: runs(CONTAINER_DEFAULTS),
    podDefaultsAfterContainers: runs(POD_DEFAULTS_AFTER_CONTAINERS),
    podChecks: runs(POD_CHECKS),
    containerChecks: runs(CONTAINER_CHECKS),
  };
}

/** Computed once: the step lists for Linux Pods (also every Pod without `spec.os`) and for Windows Pods. */
export const PROVIDER_STEPS: Readonly<Record<"linux" | "windows", StepLists>> = { linux: stepsFor(false), windows: stepsFor(true) };

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
  /** Whether `pod` differs from the input: what was written, whatever the reasons say (a test keeps them in step). */
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
  const steps = windows ? PROVIDER_STEPS.windows : PROVIDER_STEPS.linux;
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

  // PSP's own test (admission.go: mutated := !apiequality.Semantic.DeepEqual(pod, podCopy)).
  return { policy, pod, mutated: !unchanged(pod, input), ...out };
}
