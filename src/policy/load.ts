// INTERIM loader (no validation yet): maps PSP / SecureDefaultsPolicy documents onto the Policy model.
// To be replaced by the validating loader with the same exports.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Policy } from "../engine/types.js";

export interface LoadedPolicies {
  policies: Policy[];
  warnings: string[];
}

export class PolicyLoadError extends Error {
  constructor(
    readonly file: string,
    readonly document: number,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: document ${document}${field ? `, field ${field}` : ""}: ${detail}`);
    this.name = "PolicyLoadError";
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function toPolicy(doc: any, source: string): Policy {
  const s = doc.spec ?? {};
  const ann = doc.metadata?.annotations ?? {};
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(","));
  const group = (g: any) => ({ rule: g?.rule ?? "RunAsAny", ranges: g?.ranges ?? [] });
  return {
    name: doc.metadata.name,
    source,
    kind: doc.kind,
    binding: s.namespaces || s.namespaceSelector ? { namespaces: s.namespaces, namespaceSelector: s.namespaceSelector } : undefined,
    privileged: s.privileged ?? false,
    defaultAddCapabilities: s.defaultAddCapabilities ?? [],
    requiredDropCapabilities: s.requiredDropCapabilities ?? [],
    allowedCapabilities: s.allowedCapabilities ?? [],
    volumes: s.volumes ?? [],
    hostNetwork: s.hostNetwork ?? false,
    hostIPC: s.hostIPC ?? false,
    hostPID: s.hostPID ?? false,
    hostPorts: s.hostPorts ?? [],
    seLinux: s.seLinux ?? { rule: "RunAsAny" },
    runAsUser: { rule: s.runAsUser?.rule ?? "RunAsAny", ranges: s.runAsUser?.ranges ?? [] },
    runAsGroup: group(s.runAsGroup),
    supplementalGroups: group(s.supplementalGroups),
    fsGroup: group(s.fsGroup),
    readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? false,
    defaultAllowPrivilegeEscalation: s.defaultAllowPrivilegeEscalation,
    allowPrivilegeEscalation: s.allowPrivilegeEscalation ?? true,
    allowedHostPaths: (s.allowedHostPaths ?? []).map((p: any) => ({ pathPrefix: p.pathPrefix, readOnly: p.readOnly ?? false })),
    allowedFlexVolumes: s.allowedFlexVolumes ?? [],
    allowedCSIDrivers: s.allowedCSIDrivers ?? [],
    allowedUnsafeSysctls: s.allowedUnsafeSysctls ?? [],
    forbiddenSysctls: s.forbiddenSysctls ?? [],
    allowedProcMountTypes: s.allowedProcMountTypes ?? [],
    runtimeClass: s.runtimeClass ? { allowedRuntimeClassNames: s.runtimeClass.allowedRuntimeClassNames ?? [], defaultRuntimeClassName: s.runtimeClass.defaultRuntimeClassName } : undefined,
    seccomp: s.seccomp ?? {
      defaultProfile: ann["seccomp.security.alpha.kubernetes.io/defaultProfileName"],
      allowedProfiles: list(ann["seccomp.security.alpha.kubernetes.io/allowedProfileNames"]),
    },
    appArmor: s.appArmor ?? {
      defaultProfile: ann["apparmor.security.beta.kubernetes.io/defaultProfileName"],
      allowedProfiles: list(ann["apparmor.security.beta.kubernetes.io/allowedProfileNames"]),
    },
    podSecurityStandard: s.podSecurityStandard,
  };
}

export function parsePolicies(text: string, source: string): LoadedPolicies {
  const policies = parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((d) => d)
    .map((d, i) => toPolicy(d, `${source}#${i}`));
  return { policies, warnings: [] };
}

export function loadPolicies(paths: readonly string[]): LoadedPolicies {
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(p, f))
      : [p],
  );
  const all = files.map((f) => parsePolicies(readFileSync(f, "utf8"), f));
  return { policies: all.flatMap((a) => a.policies), warnings: all.flatMap((a) => a.warnings) };
}
