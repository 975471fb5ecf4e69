// Pod Security Admission (PSA) policy versions, as the `pod-security.kubernetes.io/<mode>-version` labels
// name them: `v1.<minor>` or `latest`. PSA keeps every version from v1.0; a check changes at the version
// its new implementation names (k8s.io/pod-security-admission, policy/check_*.go, `MinimumVersion`).
// What changed where, for the checks `podSecurityStandard` enforces itself (the rest map onto PSP fields):
//   v1.0   seLinuxOptions, windowsHostProcess, appArmorProfile, runAsNonRoot, procMount, sysctls (the
//          five PSP-safe ones), seccomp via the alpha annotations
//   v1.19  seccomp via the seccompProfile fields (the annotations are no longer read)
//   v1.23  runAsUser (restricted: not 0)
//   v1.25  restricted exempts Windows Pods from allowPrivilegeEscalation, capabilities and seccomp
//   v1.27  sysctl net.ipv4.ip_local_reserved_ports
//   v1.29  sysctls net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes
//   v1.31  SELinux type container_engine_t
//   v1.32  sysctls net.ipv4.tcp_rmem, tcp_wmem
//   v1.34  hostProbesAndHostLifecycle (probe and lifecycle handler `host` must be empty)
//   v1.35  user namespaces (`hostUsers: false`): restricted skips runAsNonRoot and runAsUser; baseline
//          allows any procMount (restricted still only Default)
//   v1.37  sysctls net.ipv4.tcp_slow_start_after_idle, tcp_notsent_lowat
// Image volumes and the AppArmor fields were added to the v1.0 implementations (no new version): PSA
// allows `image` volumes and reads `appArmorProfile` at every version.

/** The newest PSA policy version implemented: `latest` and a level alone mean this one. */
export const NEWEST_PSA_MINOR = 37;

/** A PSA policy version: the minor of `v1.<minor>`. */
export type PsaVersion = number;

/** `v1.30` → 30, `latest` → the newest; undefined when malformed or unknown (newer than we implement). */
export function parsePsaVersion(text: string): PsaVersion | undefined {
  if (text === "latest") return NEWEST_PSA_MINOR;
  const match = /^v1\.(0|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const minor = Number(match[1]);
  return minor <= NEWEST_PSA_MINOR ? minor : undefined;
}

export function formatPsaVersion(version: PsaVersion): string {
  return `v1.${version}`;
}

/** Sysctls PSA baseline counts as safe, each from the version that added it. */
const SAFE_SYSCTLS: readonly (readonly [string, PsaVersion])[] = [
  ["kernel.shm_rmid_forced", 0],
  ["net.ipv4.ip_local_port_range", 0],
  ["net.ipv4.tcp_syncookies", 0],
  ["net.ipv4.ping_group_range", 0],
  ["net.ipv4.ip_unprivileged_port_start", 0],
  ["net.ipv4.ip_local_reserved_ports", 27],
  ["net.ipv4.tcp_keepalive_time", 29],
  ["net.ipv4.tcp_fin_timeout", 29],
  ["net.ipv4.tcp_keepalive_intvl", 29],
  ["net.ipv4.tcp_keepalive_probes", 29],
  ["net.ipv4.tcp_rmem", 32],
  ["net.ipv4.tcp_wmem", 32],
  ["net.ipv4.tcp_slow_start_after_idle", 37],
  ["net.ipv4.tcp_notsent_lowat", 37],
];

export function safeSysctls(version: PsaVersion): string[] {
  return SAFE_SYSCTLS.filter(([, since]) => since <= version).map(([name]) => name);
}

/** SELinux types PSA baseline allows besides empty. */
export function allowedSELinuxTypes(version: PsaVersion): string[] {
  const types = ["container_t", "container_init_t", "container_kvm_t"];
  return version >= 31 ? [...types, "container_engine_t"] : types;
}

/** The version from which each versioned rule applies. */
export const PSA_SINCE = {
  seccompFields: 19,
  runAsUser: 23,
  windowsRestrictedExemptions: 25,
  hostProbes: 34,
  userNamespaceRelaxations: 35,
} as const;
