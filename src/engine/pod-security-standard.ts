// SecureDefaultsPolicy extension `podSecurityStandard` (not PSP): the Pod Security Admission (PSA)
// checks that PSP fields cannot express, so that what the policy admits also passes PSA at that level
// and version. Rules follow the PSA check definitions (k8s.io/pod-security-admission, policy/check_*.go);
// what changed at which version is in psa-versions.ts:
//   baseline and restricted: hostProbesAndHostLifecycle (v1.34+), windowsHostProcess, seLinuxOptions
//                            (container_engine_t from v1.31), appArmorProfile (no Unconfined, in fields
//                            or annotations), sysctls (PSA's safe list of the version), procMount (only
//                            Default; at baseline v1.35+ anything in a user namespace), seccomp
//                            annotations (before v1.19, when PSA read them instead of the fields)
//   restricted only:         runAsNonRoot (defaulted to true on containers, then checked), runAsUser
//                            (not 0, v1.23+, at the pod level too), both skipped for a Pod in a user
//                            namespace from v1.35; before v1.25 no Windows Pod passes (PSA then required
//                            Linux-only fields the API server refuses on Windows Pods)
// Where a PSP field of the same policy already refuses the same value, the check here stays quiet
// (one violation per problem). Everything else in the standards maps onto PSP fields (hostNetwork,
// volumes, capabilities, seccomp fields...).
import type { Probe } from "kubernetes-types/core/v1.js";
import { APPARMOR_CONTAINER_ANNOTATION_PREFIX, UNCONFINED } from "./profiles.js";
import { allowedSELinuxTypes, formatPsaVersion, NEWEST_PSA_MINOR, PSA_SINCE, safeSysctls, type PsaVersion } from "./psa-versions.js";
import { effective, setContainerField } from "./security-context.js";
import { sysctlAllowed } from "./sysctls.js";
import type { ContainerStep, ContainerView, Findings, Pod, PodStep, Policy, SELinuxOptions } from "./types.js";
import { inUserNamespace, procMountTypesInForce, refusesRootUid, runAsUserInForce } from "./user-namespaces.js";
import { isWindowsPod } from "./windows.js";

const FIELD = "podSecurityStandard";

export function standardVersion(policy: Policy): PsaVersion {
  return policy.podSecurityStandardVersion ?? NEWEST_PSA_MINOR;
}

/**
 * From v1.35, restricted skips runAsNonRoot and runAsUser for a Pod in a user namespace
 * (`hostUsers: false`), where root in the container is not root on the node.
 */
function rootChecksRelaxed(pod: Pod, policy: Policy): boolean {
  return inUserNamespace(pod) && standardVersion(policy) >= PSA_SINCE.userNamespaceRelaxations;
}

/** ` v1.30` when the policy pins a version below the newest (for messages), else empty. */
function pinned(policy: Policy): string {
  const version = standardVersion(policy);
  return version === NEWEST_PSA_MINOR ? "" : ` ${formatPsaVersion(version)}`;
}

function push(out: Findings, policy: Policy, path: string, message: string): void {
  out.violations.push({ policy: policy.name, path, field: FIELD, message });
}

/**
 * restricted: a container whose effective runAsNonRoot is unset gets `runAsNonRoot: true`, even when a
 * non-zero runAsUser is set (PSA requires the explicit field). An explicit false is kept (and rejected).
 * Skipped for a Pod in a user namespace from v1.35, where restricted no longer requires it.
 */
export const defaultStandardRunAsNonRoot: ContainerStep = (view, pod, policy, out) => {
  if (policy.podSecurityStandard !== "restricted" || rootChecksRelaxed(pod, policy)) return;
  // Not with uid 0: the kubelet would refuse the result, and restricted rejects uid 0 anyway.
  if (effective(view, pod, "runAsNonRoot") !== undefined || effective(view, pod, "runAsUser") === 0) return;
  setContainerField(view, "runAsNonRoot", true);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsNonRoot`,
    field: FIELD,
    message: "set runAsNonRoot to true (Pod Security Admission restricted requires runAsNonRoot: true)",
  });
};

function checkSELinux(options: SELinuxOptions | null | undefined, base: string, policy: Policy, out: Findings): void {
  if (!options || typeof options !== "object") return;
  const type = options.type ?? "";
  const allowed = allowedSELinuxTypes(standardVersion(policy));
  if (type !== "" && !allowed.includes(type)) {
    push(
      out,
      policy,
      `${base}.seLinuxOptions.type`,
      `SELinux type "${type}" is forbidden by Pod Security Admission baseline${pinned(policy)}. Allowed types: ${allowed.join(", ")} or empty`,
    );
  }
  for (const key of ["user", "role"] as const) {
    const value = options[key] ?? "";
    if (value !== "") push(out, policy, `${base}.seLinuxOptions.${key}`, `SELinux ${key} "${value}" may not be set under Pod Security Admission baseline`);
  }
}

function checkHostProcess(hostProcess: boolean | null | undefined, base: string, policy: Policy, out: Findings): void {
  if (hostProcess === true) {
    push(out, policy, `${base}.windowsOptions.hostProcess`, "Windows HostProcess is forbidden by Pod Security Admission baseline (windowsOptions.hostProcess must not be true)");
  }
}

/** PSA baseline forbids the Unconfined AppArmor profile wherever it is set. */
function checkAppArmorField(profile: { type?: string } | null | undefined, base: string, policy: Policy, out: Findings): void {
  if (profile && typeof profile === "object" && profile.type === "Unconfined") {
    push(out, policy, `${base}.appArmorProfile.type`, 'AppArmor profile "Unconfined" is forbidden by Pod Security Admission baseline (use RuntimeDefault or Localhost)');
  }
}

function checkAppArmorAnnotations(pod: Pod, policy: Policy, out: Findings): void {
  for (const [key, value] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_CONTAINER_ANNOTATION_PREFIX) && value === UNCONFINED) {
      push(out, policy, `metadata.annotations.${key}`, 'AppArmor profile "unconfined" is forbidden by Pod Security Admission baseline (use runtime/default or localhost/<profile>)');
    }
  }
}

const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

/** Before v1.19 PSA read seccomp from the alpha annotations: runtime/default, docker/default or localhost/*. */
function checkSeccompAnnotations(pod: Pod, policy: Policy, out: Findings): void {
  if (standardVersion(policy) >= PSA_SINCE.seccompFields) return;
  const annotations = pod.metadata?.annotations ?? {};
  const names = new Set([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c?.name));
  for (const [key, value] of Object.entries(annotations)) {
    const relevant = key === SECCOMP_POD_ANNOTATION || (key.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX) && names.has(key.slice(SECCOMP_CONTAINER_ANNOTATION_PREFIX.length)));
    const text = typeof value === "string" ? value : String(value);
    if (!relevant || text === "runtime/default" || text === "docker/default" || text.startsWith("localhost/")) continue;
    push(out, policy, `metadata.annotations.${key}`, `seccomp profile ${JSON.stringify(text)} is forbidden by Pod Security Admission baseline${pinned(policy)} (use runtime/default, docker/default or localhost/<profile>)`);
  }
}

/** PSA baseline allows only its safe sysctls, which grew with the versions (where the PSP fields let one through). */
function checkSysctls(pod: Pod, policy: Policy, out: Findings): void {
  const sysctls = pod.spec?.securityContext?.sysctls;
  if (!Array.isArray(sysctls)) return;
  const safe = safeSysctls(standardVersion(policy));
  sysctls.forEach((sysctl, i) => {
    const name = typeof sysctl?.name === "string" ? sysctl.name : "";
    if (!safe.includes(name) && sysctlAllowed(name, policy)) {
      push(out, policy, `spec.securityContext.sysctls[${i}].name`, `sysctl ${JSON.stringify(name)} is forbidden by Pod Security Admission baseline${pinned(policy)}. Safe sysctls: ${safe.join(", ")}`);
    }
  });
}

/** Before v1.25 PSA restricted required allowPrivilegeEscalation, capabilities and seccomp on every Pod. */
function checkWindowsBeforeExemptions(pod: Pod, policy: Policy, out: Findings): void {
  if (!isWindowsPod(pod) || standardVersion(policy) >= PSA_SINCE.windowsRestrictedExemptions) return;
  push(
    out,
    policy,
    "spec.os.name",
    `Pod Security Admission restricted${pinned(policy)} admits no Windows Pod: before v1.25 it requires allowPrivilegeEscalation, capabilities and seccompProfile, which the API server refuses on Windows Pods (pin v1.25 or newer)`,
  );
}

export const checkPodStandard: PodStep = (pod, policy, out) => {
  const level = policy.podSecurityStandard;
  if (!level) return;
  const sc = pod.spec?.securityContext;
  checkHostProcess(sc?.windowsOptions?.hostProcess, "spec.securityContext", policy, out);
  checkSELinux(sc?.seLinuxOptions, "spec.securityContext", policy, out);
  checkAppArmorField(sc?.appArmorProfile, "spec.securityContext", policy, out);
  checkAppArmorAnnotations(pod, policy, out);
  checkSeccompAnnotations(pod, policy, out);
  checkSysctls(pod, policy, out);
  if (level !== "restricted") return;
  checkWindowsBeforeExemptions(pod, policy, out);
  if (rootChecksRelaxed(pod, policy)) return;
  if (sc?.runAsNonRoot === false) {
    push(out, policy, "spec.securityContext.runAsNonRoot", "runAsNonRoot must not be false: Pod Security Admission restricted requires runAsNonRoot: true");
  }
  if (sc?.runAsUser === 0 && standardVersion(policy) >= PSA_SINCE.runAsUser) {
    push(out, policy, "spec.securityContext.runAsUser", "runAsUser 0 is forbidden by Pod Security Admission restricted, even when every container sets its own runAsUser");
  }
};

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
/** Lifecycle handlers, each with its path below the container (built once, not per Pod). */
const HANDLERS = [
  ["postStart", "lifecycle.postStart"],
  ["preStop", "lifecycle.preStop"],
] as const;

/** `host` set in httpGet / tcpSocket of a probe or lifecycle handler at `<container>.<field>`. */
function checkHandlerHosts(handler: Pick<Probe, "httpGet" | "tcpSocket"> | null | undefined, container: string, field: string, policy: Policy, out: Findings): void {
  if (!handler || typeof handler !== "object") return;
  for (const kind of ["httpGet", "tcpSocket"] as const) {
    const host = handler[kind]?.host;
    if (typeof host === "string" && host !== "") {
      push(out, policy, `${container}.${field}.${kind}.host`, `probe or lifecycle host "${host}" is forbidden by Pod Security Admission baseline (the host field must be empty)`);
    }
  }
}

function checkRunAsNonRoot(view: ContainerView, pod: Pod, policy: Policy, out: Findings): void {
  if (rootChecksRelaxed(pod, policy)) return;
  const own = view.container.securityContext?.runAsNonRoot;
  const path = `${view.path}.securityContext.runAsNonRoot`;
  if (own === false) {
    push(out, policy, path, "runAsNonRoot must not be false: Pod Security Admission restricted requires runAsNonRoot: true");
  } else if ((own === undefined || own === null) && pod.spec?.securityContext?.runAsNonRoot !== true) {
    push(out, policy, path, "runAsNonRoot must be true (on the Pod or the container): Pod Security Admission restricted requires it");
  }
}

/** A container's own runAsUser 0, where the policy's runAsUser strategy in force lets it through. */
function checkContainerRunAsUser(view: ContainerView, pod: Pod, policy: Policy, out: Findings): void {
  if (rootChecksRelaxed(pod, policy) || standardVersion(policy) < PSA_SINCE.runAsUser) return;
  if (view.container.securityContext?.runAsUser !== 0 || refusesRootUid(runAsUserInForce(pod, policy).strategy)) return;
  push(out, policy, `${view.path}.securityContext.runAsUser`, `runAsUser 0 is forbidden by Pod Security Admission restricted${pinned(policy)}`);
}

/**
 * procMount other than Default: forbidden, except at baseline v1.35+ in a user namespace. Reported only
 * where the policy's allowed procMount types in force let the value through.
 */
function checkProcMount(view: ContainerView, pod: Pod, policy: Policy, out: Findings): void {
  const value = view.container.securityContext?.procMount;
  if (typeof value !== "string" || value === "Default") return;
  const relaxed = policy.podSecurityStandard === "baseline" && inUserNamespace(pod) && standardVersion(policy) >= PSA_SINCE.userNamespaceRelaxations;
  if (relaxed || !procMountTypesInForce(pod, policy).strategy.includes(value)) return;
  const where = policy.podSecurityStandard === "baseline" ? "; from v1.35 any procMount in a user namespace, hostUsers: false" : "";
  push(out, policy, `${view.path}.securityContext.procMount`, `procMount ${value} is forbidden by Pod Security Admission ${policy.podSecurityStandard}${pinned(policy)} (only Default${where})`);
}

export const checkContainerStandard: ContainerStep = (view, pod, policy, out) => {
  const level = policy.podSecurityStandard;
  if (!level) return;
  const container = view.container;
  if (standardVersion(policy) >= PSA_SINCE.hostProbes) {
    for (const probe of PROBES) checkHandlerHosts(container[probe], view.path, probe, policy, out);
    for (const [handler, field] of HANDLERS) checkHandlerHosts(container.lifecycle?.[handler], view.path, field, policy, out);
  }
  const sc = container.securityContext;
  if (sc && typeof sc === "object") {
    const base = `${view.path}.securityContext`;
    checkHostProcess(sc.windowsOptions?.hostProcess, base, policy, out);
    checkSELinux(sc.seLinuxOptions, base, policy, out);
    checkAppArmorField(sc.appArmorProfile, base, policy, out);
  }
  checkProcMount(view, pod, policy, out);
  if (level === "restricted") {
    checkRunAsNonRoot(view, pod, policy, out);
    checkContainerRunAsUser(view, pod, policy, out);
  }
};
