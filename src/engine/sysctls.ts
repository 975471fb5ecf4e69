// Sysctls (psp-semantics 6): per pod sysctl, first match wins: forbiddenSysctls → rejected; the
// kubelet's safe set → allowed; allowedUnsafeSysctls → allowed; anything else → rejected.
import type { PodStep, Policy } from "./types.js";

/** The kubelet's safe sysctls as of Kubernetes 1.22–1.24 (the last PSP releases). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
]);

/** A pattern is an exact name, or a prefix when it ends in `*` (`*` alone matches everything). */
export function sysctlMatches(name: string, pattern: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Whether the policy's sysctl fields let a sysctl through (the rule of checkSysctls). */
export function sysctlAllowed(name: string, policy: Policy): boolean {
  if (policy.forbiddenSysctls.some((p) => sysctlMatches(name, p))) return false;
  return SAFE_SYSCTLS.has(name) || policy.allowedUnsafeSysctls.some((p) => sysctlMatches(name, p));
}

export const checkSysctls: PodStep = (pod, policy, out) => {
  const sysctls = pod.spec?.securityContext?.sysctls;
  if (!Array.isArray(sysctls)) return;
  sysctls.forEach((sysctl, index) => {
    const name = typeof sysctl?.name === "string" ? sysctl.name : "";
    const path = `spec.securityContext.sysctls[${index}].name`;
    if (policy.forbiddenSysctls.some((p) => sysctlMatches(name, p))) {
      out.violations.push({
        policy: policy.name,
        path,
        field: "forbiddenSysctls",
        message: `sysctl "${name}" is not allowed. Forbidden sysctls: [${policy.forbiddenSysctls.join(", ")}]`,
      });
      return;
    }
    if (SAFE_SYSCTLS.has(name)) return;
    if (policy.allowedUnsafeSysctls.some((p) => sysctlMatches(name, p))) return;
    out.violations.push({
      policy: policy.name,
      path,
      field: "allowedUnsafeSysctls",
      message: `unsafe sysctl "${name}" is not allowed. Allowed unsafe sysctls: [${policy.allowedUnsafeSysctls.join(", ")}]`,
    });
  });
};
