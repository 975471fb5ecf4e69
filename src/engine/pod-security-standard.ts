// SecureDefaultsPolicy extension `podSecurityStandard` (not PSP): the Pod Security Admission (PSA)
// checks that PSP fields cannot express, so that what the policy admits also passes PSA at that
// level. Rules follow the PSA check definitions (k8s.io/pod-security-admission, policy/check_*.go):
//   baseline and restricted: hostProbesAndHostLifecycle, windowsHostProcess, seLinuxOptions,
//                            appArmorProfile (no Unconfined, in fields or annotations)
//   restricted only:         runAsNonRoot (defaulted to true on containers, then checked),
//                            runAsUser (not 0, at the pod level too, even when containers override it)
// Everything else in the standards maps onto PSP fields (hostNetwork, volumes, capabilities, seccomp...).
import type { Probe } from "kubernetes-types/core/v1.js";
import { APPARMOR_CONTAINER_ANNOTATION_PREFIX, UNCONFINED } from "./profiles.js";
import { effective, setContainerField } from "./security-context.js";
import type { ContainerStep, ContainerView, Findings, Pod, PodStep, Policy, SELinuxOptions } from "./types.js";

const FIELD = "podSecurityStandard";

/** SELinux types PSA baseline allows (v1.31+), besides empty. */
export const ALLOWED_SELINUX_TYPES: readonly string[] = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/**
 * PSA relaxes runAsNonRoot (and runAsUser) for Pods in a user namespace (`hostUsers: false`), where
 * root in the container is not root on the node.
 */
function inUserNamespace(pod: Pod): boolean {
  return pod.spec?.hostUsers === false;
}

function push(out: Findings, policy: Policy, path: string, message: string): void {
  out.violations.push({ policy: policy.name, path, field: FIELD, message });
}

/**
 * restricted: a container whose effective runAsNonRoot is unset gets `runAsNonRoot: true`, even when a
 * non-zero runAsUser is set (PSA requires the explicit field). An explicit false is kept (and rejected).
 */
export const defaultStandardRunAsNonRoot: ContainerStep = (view, pod, policy, out) => {
  if (policy.podSecurityStandard !== "restricted" || inUserNamespace(pod)) return;
  if (effective(view, pod, "runAsNonRoot") !== undefined) return;
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
  if (type !== "" && !ALLOWED_SELINUX_TYPES.includes(type)) {
    push(
      out,
      policy,
      `${base}.seLinuxOptions.type`,
      `SELinux type "${type}" is forbidden by Pod Security Admission baseline. Allowed types: ${ALLOWED_SELINUX_TYPES.join(", ")} or empty`,
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

export const checkPodStandard: PodStep = (pod, policy, out) => {
  const level = policy.podSecurityStandard;
  if (!level) return;
  const sc = pod.spec?.securityContext;
  checkHostProcess(sc?.windowsOptions?.hostProcess, "spec.securityContext", policy, out);
  checkSELinux(sc?.seLinuxOptions, "spec.securityContext", policy, out);
  checkAppArmorField(sc?.appArmorProfile, "spec.securityContext", policy, out);
  checkAppArmorAnnotations(pod, policy, out);
  if (level !== "restricted" || inUserNamespace(pod)) return;
  if (sc?.runAsNonRoot === false) {
    push(out, policy, "spec.securityContext.runAsNonRoot", "runAsNonRoot must not be false: Pod Security Admission restricted requires runAsNonRoot: true");
  }
  if (sc?.runAsUser === 0) {
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
  if (inUserNamespace(pod)) return;
  const own = view.container.securityContext?.runAsNonRoot;
  const path = `${view.path}.securityContext.runAsNonRoot`;
  if (own === false) {
    push(out, policy, path, "runAsNonRoot must not be false: Pod Security Admission restricted requires runAsNonRoot: true");
  } else if ((own === undefined || own === null) && pod.spec?.securityContext?.runAsNonRoot !== true) {
    push(out, policy, path, "runAsNonRoot must be true (on the Pod or the container): Pod Security Admission restricted requires it");
  }
}

export const checkContainerStandard: ContainerStep = (view, pod, policy, out) => {
  const level = policy.podSecurityStandard;
  if (!level) return;
  const container = view.container;
  for (const probe of PROBES) checkHandlerHosts(container[probe], view.path, probe, policy, out);
  for (const [handler, field] of HANDLERS) checkHandlerHosts(container.lifecycle?.[handler], view.path, field, policy, out);
  const sc = container.securityContext;
  if (sc && typeof sc === "object") {
    const base = `${view.path}.securityContext`;
    checkHostProcess(sc.windowsOptions?.hostProcess, base, policy, out);
    checkSELinux(sc.seLinuxOptions, base, policy, out);
    checkAppArmorField(sc.appArmorProfile, base, policy, out);
  }
  if (level === "restricted") checkRunAsNonRoot(view, pod, policy, out);
};
