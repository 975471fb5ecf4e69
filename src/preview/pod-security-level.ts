// The Pod Security Standards level an object passes, by the project's own checks: the engine, validating
// only (as on UPDATE: nothing may be defaulted), under two built-in policies that say exactly what PSS
// baseline and restricted require in PSP fields plus `podSecurityStandard`. Unlike the shipped policies
// they add nothing the standards do not ask for (no read-only root filesystem, no fsGroup). One known
// difference from PSA: restricted here wants the Pod-level seccompProfile (what the engine defaults), so a
// Pod that sets RuntimeDefault on every container but not on the Pod is reported as baseline.
import { evaluate } from "../engine/evaluate.js";
import type { Policy } from "../engine/types.js";
import { parsePolicies } from "../policy/load.js";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

const COMMON = `
  privileged: false
  hostNetwork: false
  hostIPC: false
  hostPID: false
  hostPorts: []
  runAsUser: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  appArmor: {}
  allowedProcMountTypes: [Default]
  allowedUnsafeSysctls: [net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout,
    net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem, net.ipv4.tcp_wmem,
    net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat]`;

const LEVELS = `
apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: pss-baseline}
spec:
  podSecurityStandard: baseline
  allowedCapabilities: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]
  volumes: [awsElasticBlockStore, azureDisk, azureFile, cephFS, cinder, configMap, csi, downwardAPI, emptyDir, ephemeral, fc,
    flexVolume, flocker, gcePersistentDisk, gitRepo, glusterfs, iscsi, nfs, persistentVolumeClaim, photonPersistentDisk,
    portworxVolume, projected, quobyte, rbd, scaleIO, secret, storageos, vsphereVolume]
  seccomp: {allowedProfiles: [runtime/default, docker/default, localhost/*]}${COMMON}
---
apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: pss-restricted}
spec:
  podSecurityStandard: restricted
  requiredDropCapabilities: [ALL]
  allowedCapabilities: [NET_BIND_SERVICE]
  allowPrivilegeEscalation: false
  volumes: [configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret]
  runAsUser: {rule: MustRunAsNonRoot}
  seccomp: {defaultProfile: runtime/default, allowedProfiles: [runtime/default, localhost/*]}${COMMON.replace("  runAsUser: {rule: RunAsAny}\n", "")}
`;

let levelPolicies: { baseline: Policy; restricted: Policy } | undefined;

function policies(): { baseline: Policy; restricted: Policy } {
  if (!levelPolicies) {
    const [baseline, restricted] = parsePolicies(LEVELS, "<built-in Pod Security Standards>").policies;
    // Baseline forbids only Unconfined: no profile passes too, which a PSP allowed list cannot say
    // (the policy files refuse an empty profile name), so the empty profile is added here.
    levelPolicies = { baseline: { ...baseline, seccomp: { allowedProfiles: ["", ...(baseline.seccomp.allowedProfiles ?? [])] } }, restricted };
  }
  return levelPolicies;
}

function passes(object: unknown, policy: Policy): boolean {
  return evaluate(object, [policy], { operation: "UPDATE" }).allowed;
}

/** The strictest level `object` (a Pod or a workload) passes as it is. */
export function podSecurityLevel(object: unknown): PodSecurityLevel {
  const { baseline, restricted } = policies();
  if (!passes(object, baseline)) return "privileged";
  return passes(object, restricted) ? "restricted" : "baseline";
}
