// A validated policy document → the engine's Policy, with PSP v1beta1's defaults filled in.
// PodSecurityPolicy keeps seccomp and AppArmor in annotations; they are read (and checked) here.
import { parsePsaVersion } from "../engine/psa-versions.js";
import { isObject } from "../engine/json.js";
import type { GroupStrategy, IdRange, NetworkDefault, Policy, PolicyBinding, ProfileStrategy } from "../engine/types.js";
import { issue, type IssueLocation, type PathSegment, type PolicyIssue } from "./issues.js";
import { badProfile, isAppArmorProfile, isSeccompProfile, scratchVolumeName, show, type PspDocument, type PspSpec, type SdpDocument } from "./schema.js";

export const ANNOTATIONS = {
  seccompDefault: "seccomp.security.alpha.kubernetes.io/defaultProfileName",
  seccompAllowed: "seccomp.security.alpha.kubernetes.io/allowedProfileNames",
  appArmorDefault: "apparmor.security.beta.kubernetes.io/defaultProfileName",
  appArmorAllowed: "apparmor.security.beta.kubernetes.io/allowedProfileNames",
} as const;

/** Where each profile setting lives in the file, for messages. */
export interface ProfilePaths {
  seccompDefault: PathSegment[];
  seccompAllowed: PathSegment[];
  appArmorDefault: PathSegment[];
  appArmorAllowed: PathSegment[];
}

export const PSP_PROFILE_PATHS: ProfilePaths = {
  seccompDefault: ["metadata", "annotations", ANNOTATIONS.seccompDefault],
  seccompAllowed: ["metadata", "annotations", ANNOTATIONS.seccompAllowed],
  appArmorDefault: ["metadata", "annotations", ANNOTATIONS.appArmorDefault],
  appArmorAllowed: ["metadata", "annotations", ANNOTATIONS.appArmorAllowed],
};

export const SDP_PROFILE_PATHS: ProfilePaths = {
  seccompDefault: ["spec", "seccomp", "defaultProfile"],
  seccompAllowed: ["spec", "seccomp", "allowedProfiles"],
  appArmorDefault: ["spec", "appArmor", "defaultProfile"],
  appArmorAllowed: ["spec", "appArmor", "allowedProfiles"],
};

/** Drops keys whose value is undefined, so that policies compare equal however they were written. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const ranges = (r: readonly IdRange[] | null | undefined): IdRange[] => (r ?? []).map(({ min, max }) => ({ min, max }));
const group = (g: { rule: GroupStrategy["rule"]; ranges?: IdRange[] | null } | null | undefined): GroupStrategy =>
  g ? { rule: g.rule, ranges: ranges(g.ranges) } : { rule: "RunAsAny", ranges: [] };

/** PSP spec → Policy fields, with v1beta1 defaults (allowPrivilegeEscalation true, everything else off or empty). */
function fromSpec(s: PspSpec): Omit<Policy, "name" | "source" | "kind" | "seccomp" | "appArmor"> {
  return compact({
    privileged: s.privileged ?? false,
    defaultAddCapabilities: [...(s.defaultAddCapabilities ?? [])],
    requiredDropCapabilities: [...(s.requiredDropCapabilities ?? [])],
    allowedCapabilities: [...(s.allowedCapabilities ?? [])],
    volumes: [...(s.volumes ?? [])],
    hostNetwork: s.hostNetwork ?? false,
    hostIPC: s.hostIPC ?? false,
    hostPID: s.hostPID ?? false,
    hostPorts: ranges(s.hostPorts),
    seLinux: compact({
      rule: s.seLinux.rule,
      seLinuxOptions: s.seLinux.seLinuxOptions
        ? compact({
            user: s.seLinux.seLinuxOptions.user ?? undefined,
            role: s.seLinux.seLinuxOptions.role ?? undefined,
            type: s.seLinux.seLinuxOptions.type ?? undefined,
            level: s.seLinux.seLinuxOptions.level ?? undefined,
          })
        : undefined,
    }),
    runAsUser: { rule: s.runAsUser.rule, ranges: ranges(s.runAsUser.ranges) },
    runAsGroup: group(s.runAsGroup),
    supplementalGroups: group(s.supplementalGroups),
    fsGroup: group(s.fsGroup),
    readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? false,
    defaultAllowPrivilegeEscalation: s.defaultAllowPrivilegeEscalation ?? undefined,
    allowPrivilegeEscalation: s.allowPrivilegeEscalation ?? true,
    allowedHostPaths: (s.allowedHostPaths ?? []).map((p) => ({ pathPrefix: p.pathPrefix ?? "", readOnly: p.readOnly ?? false })),
    allowedFlexVolumes: (s.allowedFlexVolumes ?? []).map(({ driver }) => ({ driver })),
    allowedCSIDrivers: (s.allowedCSIDrivers ?? []).map(({ name }) => ({ name })),
    allowedUnsafeSysctls: [...(s.allowedUnsafeSysctls ?? [])],
    forbiddenSysctls: [...(s.forbiddenSysctls ?? [])],
    allowedProcMountTypes: [...(s.allowedProcMountTypes ?? [])],
    runtimeClass: s.runtimeClass
      ? compact({
          allowedRuntimeClassNames: [...(s.runtimeClass.allowedRuntimeClassNames ?? [])],
          defaultRuntimeClassName: s.runtimeClass.defaultRuntimeClassName ?? undefined,
        })
      : undefined,
  });
}

export interface Profiles {
  seccomp: ProfileStrategy;
  appArmor: ProfileStrategy;
}

function annotationsOf(metadata: unknown): Record<string, unknown> {
  const annotations = (metadata as { annotations?: unknown } | null | undefined)?.annotations;
  return isObject(annotations) ? annotations : {};
}

/**
 * A PodSecurityPolicy's profile annotations (read from the raw metadata, so that they are checked
 * even when the spec has errors). The allowed lists are split on "," without trimming, as PSP did,
 * and each entry is checked as PSP's API validation did. An empty default means "no default".
 */
export function annotationProfiles(metadata: unknown, at: IssueLocation, issues: PolicyIssue[]): Profiles {
  const annotations = annotationsOf(metadata);
  const read = (key: keyof typeof ANNOTATIONS): string | undefined => {
    const value = annotations[ANNOTATIONS[key]];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    issues.push(issue(at, PSP_PROFILE_PATHS[key], `must be a string (got ${typeof value} ${show(value)})`));
    return undefined;
  };
  const strategy = (kind: "seccomp" | "AppArmor", defaultKey: keyof typeof ANNOTATIONS, allowedKey: keyof typeof ANNOTATIONS): ProfileStrategy => {
    const valid = kind === "seccomp" ? isSeccompProfile : isAppArmorProfile;
    const wildcard = kind === "seccomp"; // PSP accepted "*" only in the seccomp list
    const defaultProfile = read(defaultKey);
    const allowed = read(allowedKey);
    if (defaultProfile && !valid(defaultProfile)) issues.push(issue(at, PSP_PROFILE_PATHS[defaultKey], badProfile(kind, defaultProfile, false)));
    for (const p of allowed ? allowed.split(",") : []) {
      if (!valid(p) && !(wildcard && p === "*")) issues.push(issue(at, PSP_PROFILE_PATHS[allowedKey], badProfile(kind, p, wildcard)));
    }
    return compact({ defaultProfile: defaultProfile || undefined, allowedProfiles: allowed?.split(",") });
  };
  return {
    seccomp: strategy("seccomp", "seccompDefault", "seccompAllowed"),
    appArmor: strategy("AppArmor", "appArmorDefault", "appArmorAllowed"),
  };
}

/** A SecureDefaultsPolicy has spec fields for profiles; PSP's annotations there are a mistake. */
export function forbiddenAnnotations(metadata: unknown, at: IssueLocation): PolicyIssue[] {
  const annotations = annotationsOf(metadata);
  return Object.entries(ANNOTATIONS)
    .filter(([, annotation]) => annotations[annotation] !== undefined)
    .map(([key, annotation]) => {
      const field = SDP_PROFILE_PATHS[key as keyof ProfilePaths].join(".");
      return issue(at, ["metadata", "annotations", annotation], `not supported on a SecureDefaultsPolicy: use ${field}`);
    });
}

export function fromPodSecurityPolicy(doc: PspDocument, source: string, profiles: Profiles): Policy {
  return { name: doc.metadata.name, source, kind: "PodSecurityPolicy", ...fromSpec(doc.spec), ...profiles };
}

export function fromSecureDefaultsPolicy(doc: SdpDocument, source: string): Policy {
  const s = doc.spec;
  const bound = [s.namespaces, s.namespaceSelector].some((v) => v !== null && v !== undefined);
  const binding: PolicyBinding | undefined = bound
    ? compact({
        namespaces: s.namespaces ? [...s.namespaces] : undefined,
        namespaceSelector: s.namespaceSelector
          ? compact({
              matchLabels: s.namespaceSelector.matchLabels ? { ...s.namespaceSelector.matchLabels } : undefined,
              matchExpressions: s.namespaceSelector.matchExpressions?.map((e) =>
                compact({ key: e.key, operator: e.operator, values: e.values ? [...e.values] : undefined }),
              ),
            })
          : undefined,
      })
    : undefined;
  const profile = (p: { defaultProfile?: string | null; allowedProfiles?: string[] | null } | null | undefined): ProfileStrategy =>
    compact({ defaultProfile: p?.defaultProfile ?? undefined, allowedProfiles: p?.allowedProfiles ? [...p.allowedProfiles] : undefined });
  return compact({
    name: doc.metadata.name,
    source,
    kind: "SecureDefaultsPolicy" as const,
    binding,
    ...fromSpec(s),
    seccomp: profile(s.seccomp),
    appArmor: profile(s.appArmor),
    podSecurityStandard: s.podSecurityStandard?.level,
    podSecurityStandardVersion: s.podSecurityStandard?.version ? parsePsaVersion(s.podSecurityStandard.version) : undefined,
    userNamespaces: s.userNamespaces
      ? compact({
          runAsUser: s.userNamespaces.runAsUser ? { rule: s.userNamespaces.runAsUser.rule, ranges: ranges(s.userNamespaces.runAsUser.ranges) } : undefined,
          runAsGroup: s.userNamespaces.runAsGroup ? group(s.userNamespaces.runAsGroup) : undefined,
          allowedProcMountTypes: s.userNamespaces.allowedProcMountTypes ? [...s.userNamespaces.allowedProcMountTypes] : undefined,
        })
      : undefined,
    subjects: s.subjects?.map((subject) =>
      compact({
        kind: subject.kind,
        name: subject.name,
        namespace: subject.namespace ?? undefined,
        inNamespaces: subject.inNamespaces ? [...subject.inNamespaces] : undefined,
      }),
    ),
    scratchSpace: s.scratchSpace
      ? s.scratchSpace.map((e) => compact({ path: e.path, volumeName: e.volumeName ?? scratchVolumeName(e.path), sizeLimit: e.sizeLimit ?? undefined }))
      : undefined,
    mode: s.mode ?? undefined,
    networkDefault: s.networkDefault ? networkDefaultOf(s.networkDefault) : undefined,
  });
}

/** The schema's nullable fields as absent ones (null and undefined mean the same in a policy file). */
function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)])) as T;
}

function networkDefaultOf(n: NonNullable<SdpDocument["spec"]["networkDefault"]>): NetworkDefault {
  return compact({
    ingress: n.ingress ?? undefined,
    egress: n.egress ?? undefined,
    allowIngress: withoutNulls(n.allowIngress ?? []) as NetworkDefault["allowIngress"],
    allowEgress: withoutNulls(n.allowEgress ?? []) as NetworkDefault["allowEgress"],
  });
}
