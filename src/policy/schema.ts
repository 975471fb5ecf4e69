// The policy file formats as zod schemas: PodSecurityPolicy (policy/v1beta1, extensions/v1beta1) and
// SecureDefaultsPolicy (secure-defaults.io/v1alpha1). Field-local rules (ranges, rules that need
// ranges, sysctl syntax, runtime class lists) live next to the fields; rules that relate several
// spec fields are checked on the spec as a whole. Messages are written for the person editing the file.
import { z } from "zod";
import { NEWEST_PSA_MINOR, parsePsaVersion } from "../engine/psa-versions.js";
import { parseCidr, strictlyInside } from "./cidr.js";

export const PSP_API_VERSIONS = ["policy/v1beta1", "extensions/v1beta1"] as const;
export const SDP_API_VERSION = "secure-defaults.io/v1alpha1";

/** PSP's volume FS type names (pkg/security/podsecuritypolicy/util), plus the pseudo type `*`. */
export const VOLUME_TYPES = [
  "*",
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephFS",
  "cinder",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "hostPath",
  "image",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "projected",
  "quobyte",
  "rbd",
  "scaleIO",
  "secret",
  "storageos",
  "vsphereVolume",
] as const;

export const USER_RULES = ["MustRunAs", "MustRunAsNonRoot", "RunAsAny"] as const;
export const GROUP_RULES = ["MustRunAs", "MayRunAs", "RunAsAny"] as const;
export const SELINUX_RULES = ["MustRunAs", "RunAsAny"] as const;
export const PROC_MOUNT_TYPES = ["Default", "Unmasked"] as const;
export const POD_SECURITY_STANDARDS = ["baseline", "restricted"] as const;
export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

// ------------------------------------------------------------------------------------------------
// Small helpers for messages

/**
 * The closest candidate to `word` (case-insensitive edit distance), if it is close enough to be a typo;
 * with `prefixes`, also a candidate that one is a prefix of the other (`allowed` → `allowedProfiles`).
 */
export function closest(word: string, candidates: readonly string[], prefixes = false): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 3)))) return best;
  return prefixes && w.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(w) || w.startsWith(c.toLowerCase())) : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** A value as it appears in a message: strings quoted, others as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value) ?? String(value);
}

/** A string enum with a message naming the valid values and the likely intended one. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, noun = "value") {
  return z.enum(values, {
    error: (issue) => {
      if (issue.input === undefined || issue.input === null) return "is required";
      const hint = typeof issue.input === "string" ? closest(issue.input, values) : undefined;
      return `unknown ${noun} ${show(issue.input)}${hint ? ` (did you mean ${hint}?)` : ""}; must be one of: ${values.join(", ")}`;
    },
  });
}

const nonEmpty = z.string().min(1, { error: "must not be empty" });

/** A string with one check: `problem` returns what is wrong with it (empty strings are reported as such). */
const checkedString = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((s, ctx) => {
    const message = s === "" ? "must not be empty" : problem(s);
    if (message !== undefined) ctx.addIssue({ code: "custom", message });
  });

/** RFC 1123 subdomain, as Kubernetes object names (and runtime class names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const dnsSubdomain = (what: string) =>
  checkedString((s) =>
    isDnsSubdomain(s) ? undefined : `${what} must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', at most 253 characters) (got ${show(s)})`,
  );

// ------------------------------------------------------------------------------------------------
// Seccomp and AppArmor profile names (PSP's load-time checks, api/core/validation ValidateSeccompProfile
// and apparmor.ValidateProfileFormat)

function isLocalDescendingPath(path: string): boolean {
  return path !== "" && !path.startsWith("/") && !path.split("/").includes("..");
}

export function isSeccompProfile(p: string): boolean {
  if (p === "runtime/default" || p === "docker/default" || p === "unconfined") return true;
  return p.startsWith("localhost/") && isLocalDescendingPath(p.slice("localhost/".length));
}

export function isAppArmorProfile(p: string): boolean {
  return p === "runtime/default" || p === "unconfined" || (p.startsWith("localhost/") && p.length > "localhost/".length);
}

export const SECCOMP_FORMS = "runtime/default, docker/default, unconfined or localhost/<relative path>";
export const APPARMOR_FORMS = "runtime/default, unconfined or localhost/<profile>";

/** The detail for a bad profile name, with a hint for the usual mistake (a space after a comma). */
export function badProfile(kind: "seccomp" | "AppArmor", p: string, wildcard: boolean): string {
  const forms = kind === "seccomp" ? SECCOMP_FORMS : APPARMOR_FORMS;
  const spaces = p !== p.trim() ? "; spaces are not trimmed" : "";
  return `${show(p)} is not a valid ${kind} profile (${forms}${wildcard ? ", or * for any" : ""})${spaces}`;
}

function profileStrategy(kind: "seccomp" | "AppArmor") {
  const valid = kind === "seccomp" ? isSeccompProfile : isAppArmorProfile;
  const profile = (wildcard: boolean) =>
    z.string().refine((p) => valid(p) || (wildcard && p === "*"), { error: (issue) => badProfile(kind, String(issue.input), wildcard) });
  return z.strictObject({
    defaultProfile: profile(false).nullish(),
    allowedProfiles: z.array(profile(true)).nullish(),
  });
}

// ------------------------------------------------------------------------------------------------
// Ranges and strategies

const idRange = z
  .strictObject({ min: z.int(), max: z.int() })
  .superRefine((r, ctx) => {
    if (r.min < 0) ctx.addIssue({ code: "custom", path: ["min"], message: `must not be negative (got ${r.min})` });
    if (r.max < 0) ctx.addIssue({ code: "custom", path: ["max"], message: `must not be negative (got ${r.max})` });
    if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["min"], message: `must be <= max (got min ${r.min}, max ${r.max})` });
  });

const hostPortRange = z
  .strictObject({ min: z.int(), max: z.int() })
  .superRefine((r, ctx) => {
    for (const end of ["min", "max"] as const) {
      if (r[end] < 0 || r[end] > 65535) ctx.addIssue({ code: "custom", path: [end], message: `must be between 0 and 65535 (got ${r[end]})` });
    }
    if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["min"], message: `must be <= max (got min ${r.min}, max ${r.max})` });
  });

function needsRanges(rule: string, ranges: unknown[] | null | undefined, ctx: z.RefinementCtx, rules: readonly string[]): void {
  if (rules.includes(rule) && !ranges?.length) {
    ctx.addIssue({ code: "custom", path: ["ranges"], message: `at least one range is required when the rule is ${rule}` });
  }
}

const runAsUser = z
  .strictObject({ rule: oneOf(USER_RULES, "rule"), ranges: z.array(idRange).nullish() })
  .superRefine((s, ctx) => needsRanges(s.rule, s.ranges, ctx, ["MustRunAs"]));

const groupStrategy = z
  .strictObject({ rule: oneOf(GROUP_RULES, "rule"), ranges: z.array(idRange).nullish() })
  .superRefine((s, ctx) => needsRanges(s.rule, s.ranges, ctx, ["MustRunAs", "MayRunAs"]));

/** runAsGroup is optional, and (unlike fsGroup and supplementalGroups) PSP rejects ranges with RunAsAny. */
const runAsGroup = groupStrategy.superRefine((s, ctx) => {
  if (s.rule === "RunAsAny" && s.ranges?.length) {
    ctx.addIssue({ code: "custom", path: ["ranges"], message: "must be empty when the rule is RunAsAny" });
  }
});

const seLinuxOptions = z.strictObject({
  user: z.string().nullish(),
  role: z.string().nullish(),
  type: z.string().nullish(),
  level: z.string().nullish(),
});

const seLinux = z
  .strictObject({ rule: oneOf(SELINUX_RULES, "rule"), seLinuxOptions: seLinuxOptions.nullish() })
  .superRefine((s, ctx) => {
    if (s.rule === "MustRunAs" && !s.seLinuxOptions) {
      ctx.addIssue({ code: "custom", path: ["seLinuxOptions"], message: "is required when the rule is MustRunAs" });
    }
  });

// ------------------------------------------------------------------------------------------------
// Sysctls, host paths, drivers, runtime classes

const SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_PATTERN = new RegExp(`^(${SYSCTL_SEGMENT}[./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]$`);

/** PSP's sysctl pattern syntax (1.24, `/` allowed as separator): a name, optionally ending in `*`. */
export function isSysctlPattern(s: string): boolean {
  return s.length <= 253 && SYSCTL_PATTERN.test(s);
}

const sysctlPatterns = z
  .array(
    checkedString((s) =>
      isSysctlPattern(s)
        ? undefined
        : `invalid sysctl pattern ${show(s)}: must be a sysctl name such as kernel.shm_rmid_forced, optionally ending in * (kernel.*), or * alone`,
    ),
  )
  .superRefine((list, ctx) => {
    if (list.includes("*") && list.length > 1) ctx.addIssue({ code: "custom", message: `"*" must be the only entry` });
  });

const allowedHostPath = z
  .strictObject({ pathPrefix: z.string().nullish(), readOnly: z.boolean().nullish() })
  .superRefine((p, ctx) => {
    if (!p.pathPrefix) ctx.addIssue({ code: "custom", path: ["pathPrefix"], message: "is required" });
    else if (p.pathPrefix.split("/").includes("..")) {
      ctx.addIssue({ code: "custom", path: ["pathPrefix"], message: `must not contain a ".." segment (got ${show(p.pathPrefix)})` });
    }
  });

const allowedFlexVolume = z.strictObject({ driver: nonEmpty });

const allowedCSIDriver = z.strictObject({
  name: checkedString((n) =>
    n.length <= 63 && isDnsSubdomain(n.toLowerCase())
      ? undefined
      : `must be a CSI driver name: a DNS subdomain of at most 63 characters, e.g. ebs.csi.aws.com (got ${show(n)})`,
  ),
});

const runtimeClass = z
  .strictObject({
    allowedRuntimeClassNames: z.array(z.string()).nullish(),
    defaultRuntimeClassName: dnsSubdomain("a runtime class name").nullish(),
  })
  .superRefine((rc, ctx) => {
    const names = rc.allowedRuntimeClassNames ?? [];
    const seen = new Set<string>();
    names.forEach((name, i) => {
      const path = ["allowedRuntimeClassNames", i];
      if (name !== "*" && !isDnsSubdomain(name)) {
        ctx.addIssue({ code: "custom", path, message: `must be a runtime class name (a lowercase RFC 1123 subdomain) or * (got ${show(name)})` });
      }
      if (seen.has(name)) ctx.addIssue({ code: "custom", path, message: `duplicate entry ${show(name)}` });
      seen.add(name);
    });
    if (seen.has("*") && names.length > 1) {
      ctx.addIssue({ code: "custom", path: ["allowedRuntimeClassNames"], message: `"*" must be the only entry` });
    }
    const def = rc.defaultRuntimeClassName;
    if (def && !seen.has(def) && !seen.has("*")) {
      ctx.addIssue({ code: "custom", path: ["defaultRuntimeClassName"], message: `${show(def)} must also be listed in allowedRuntimeClassNames` });
    }
  });

// ------------------------------------------------------------------------------------------------
// Spec

const capabilities = z.array(nonEmpty).nullish();

/** Every field of PSP's `policy/v1beta1` PodSecurityPolicySpec. */
const pspSpecShape = {
  privileged: z.boolean().nullish(),
  defaultAddCapabilities: capabilities,
  requiredDropCapabilities: capabilities,
  allowedCapabilities: capabilities,
  volumes: z.array(oneOf(VOLUME_TYPES, "volume type")).nullish(),
  hostNetwork: z.boolean().nullish(),
  hostPorts: z.array(hostPortRange).nullish(),
  hostPID: z.boolean().nullish(),
  hostIPC: z.boolean().nullish(),
  seLinux,
  runAsUser,
  runAsGroup: runAsGroup.nullish(),
  supplementalGroups: groupStrategy,
  fsGroup: groupStrategy,
  readOnlyRootFilesystem: z.boolean().nullish(),
  defaultAllowPrivilegeEscalation: z.boolean().nullish(),
  allowPrivilegeEscalation: z.boolean().nullish(),
  allowedHostPaths: z.array(allowedHostPath).nullish(),
  allowedFlexVolumes: z.array(allowedFlexVolume).nullish(),
  allowedCSIDrivers: z.array(allowedCSIDriver).nullish(),
  allowedUnsafeSysctls: sysctlPatterns.nullish(),
  forbiddenSysctls: sysctlPatterns.nullish(),
  allowedProcMountTypes: z.array(oneOf(PROC_MOUNT_TYPES)).nullish(),
  runtimeClass: runtimeClass.nullish(),
};

const labelValue = z.string();
const namespaceSelector = z.strictObject({
  matchLabels: z.record(nonEmpty, labelValue).nullish(),
  matchExpressions: z
    .array(
      z
        .strictObject({ key: nonEmpty, operator: oneOf(SELECTOR_OPERATORS, "operator"), values: z.array(labelValue).nullish() })
        .superRefine((e, ctx) => {
          const withValues = e.operator === "In" || e.operator === "NotIn";
          if (withValues && !e.values?.length) {
            ctx.addIssue({ code: "custom", path: ["values"], message: `must not be empty when the operator is ${e.operator}` });
          }
          if (!withValues && e.values?.length) {
            ctx.addIssue({ code: "custom", path: ["values"], message: `must be empty when the operator is ${e.operator}` });
          }
        }),
    )
    .nullish(),
});

// ------------------------------------------------------------------------------------------------
// Pod Security Standard (level, optionally pinned to a PSA version) and user namespaces (issue 10)

/** A PSA policy version as the namespace labels write it: `v1.<minor>` up to the newest, or `latest`. */
const psaVersion = z.string().superRefine((text, ctx) => {
  if (parsePsaVersion(text) !== undefined) return;
  const newest = `v1.${NEWEST_PSA_MINOR}`;
  const message = /^v1\.(0|[1-9][0-9]*)$/.test(text)
    ? `unknown Pod Security Admission version ${show(text)}: the newest implemented is ${newest} (or use latest)`
    : `must be a Pod Security Admission version: v1.<minor> from v1.0 to ${newest} (e.g. v1.30), or latest (got ${show(text)})`;
  ctx.addIssue({ code: "custom", message });
});

const podSecurityStandardObject = z.strictObject({ level: oneOf(POD_SECURITY_STANDARDS), version: psaVersion.nullish() });

/** `restricted` (the newest version) or `{level: restricted, version: v1.30}`; both read as the object form. */
const podSecurityStandard = z.unknown().transform((value, ctx) => {
  if (value === null || value === undefined) return undefined;
  const parsed = podSecurityStandardObject.safeParse(typeof value === "string" ? { level: value } : value);
  if (parsed.success) return parsed.data;
  const inString = typeof value === "string";
  for (const problem of parsed.error.issues) {
    if (problem.code === "invalid_type" && problem.path.length === 0) {
      ctx.addIssue({ code: "custom", message: `must be a level (baseline or restricted) or a mapping {level, version} (got ${Array.isArray(value) ? "a list" : show(value)})` });
    } else {
      ctx.addIssue({ ...problem, path: inString ? [] : problem.path } as z.core.$ZodRawIssue);
    }
  }
  return z.NEVER;
});

const userNamespaces = z.strictObject({
  runAsUser: runAsUser.nullish(),
  runAsGroup: runAsGroup.nullish(),
  allowedProcMountTypes: z.array(oneOf(PROC_MOUNT_TYPES)).nullish(),
});

// Subjects: who may use a SecureDefaultsPolicy (issue 9), in RBAC's subject shape

export const SUBJECT_KINDS = ["User", "Group", "ServiceAccount"] as const;
export const RBAC_API_GROUP = "rbac.authorization.k8s.io";

const namespaceName = checkedString((n) => (n.length <= 63 && DNS_LABEL.test(n) ? undefined : `must be a namespace name (a lowercase RFC 1123 label) (got ${show(n)})`));

/**
 * One subject. As in an RBAC binding: `apiGroup` may be given (rbac.authorization.k8s.io for User and
 * Group, "" for ServiceAccount), a ServiceAccount needs its namespace, a User or Group has none.
 * `inNamespaces` limits the grant to Pods in those namespaces, as a RoleBinding does.
 */
const subject = z
  .strictObject({
    kind: oneOf(SUBJECT_KINDS, "subject kind"),
    apiGroup: z.string().nullish(),
    name: nonEmpty,
    namespace: z.string().nullish(),
    inNamespaces: z.array(namespaceName).nullish(),
  })
  .superRefine((s, ctx) => {
    if (s.kind === "ServiceAccount") {
      if (!s.namespace) ctx.addIssue({ code: "custom", path: ["namespace"], message: "is required for a ServiceAccount (the namespace it lives in)" });
      else if (!(s.namespace.length <= 63 && DNS_LABEL.test(s.namespace))) {
        ctx.addIssue({ code: "custom", path: ["namespace"], message: `must be a namespace name (a lowercase RFC 1123 label) (got ${show(s.namespace)})` });
      }
      if (!isDnsSubdomain(s.name)) {
        ctx.addIssue({ code: "custom", path: ["name"], message: `a ServiceAccount name must be a lowercase RFC 1123 subdomain (got ${show(s.name)})` });
      }
      if (s.apiGroup) ctx.addIssue({ code: "custom", path: ["apiGroup"], message: `must be empty for a ServiceAccount (got ${show(s.apiGroup)})` });
    } else {
      if (s.namespace) {
        ctx.addIssue({ code: "custom", path: ["namespace"], message: `a ${s.kind} has no namespace; to limit where it may use the policy, use inNamespaces` });
      }
      if (s.apiGroup && s.apiGroup !== RBAC_API_GROUP) {
        ctx.addIssue({ code: "custom", path: ["apiGroup"], message: `must be ${RBAC_API_GROUP} for a ${s.kind} (got ${show(s.apiGroup)})` });
      }
    }
    if (s.inNamespaces && s.inNamespaces.length === 0) {
      ctx.addIssue({ code: "custom", path: ["inNamespaces"], message: "must not be empty (leave it out to grant in every namespace)" });
    }
  });

// Scratch space and mode (SecureDefaultsPolicy extensions, issue 11)

export const POLICY_MODES = ["enforce", "warn"] as const;

/** A Kubernetes resource quantity as people write sizes: 64Mi, 1Gi, 500M, 1e9. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][0-9]+)?$/;

/** What is wrong with a scratch-space mount path, if anything. */
export function scratchPathProblem(p: string): string | undefined {
  if (!p.startsWith("/")) return `must be an absolute path such as /tmp (got ${show(p)})`;
  if (p === "/") return `must not be / (the root filesystem itself)`;
  if (p.endsWith("/") || p.includes("//")) return `must be written without a trailing or doubled "/" (got ${show(p)})`;
  if (p.split("/").some((s) => s === ".." || s === ".")) return `must not contain "." or ".." segments (got ${show(p)})`;
  if (p.includes(":")) return `must not contain ":" (got ${show(p)})`;
  return undefined;
}

/** The volume name a scratch path gets by default: `scratch-` and the path's segments, e.g. /var/cache → scratch-var-cache. */
export function scratchVolumeName(path: string): string {
  return `scratch-${path.slice(1).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
}

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

const scratchEntry = z
  .strictObject({
    path: checkedString(scratchPathProblem),
    volumeName: checkedString((n) => (isDnsLabel(n) ? undefined : `must be a volume name (a lowercase RFC 1123 label, at most 63 characters) (got ${show(n)})`)).nullish(),
    sizeLimit: checkedString((q) => (QUANTITY.test(q) ? undefined : `must be a quantity such as 64Mi or 1Gi (got ${show(q)})`)).nullish(),
  })
  .superRefine((e, ctx) => {
    if (e.volumeName || scratchPathProblem(e.path) !== undefined) return;
    const derived = scratchVolumeName(e.path);
    if (!isDnsLabel(derived)) {
      ctx.addIssue({ code: "custom", path: ["volumeName"], message: `is required: the name derived from the path, ${show(derived)}, is not a valid volume name` });
    }
  });

const scratchSpace = z.array(scratchEntry).superRefine((list, ctx) => {
  const paths = new Set<string>();
  const names = new Set<string>();
  list.forEach((e, i) => {
    if (paths.has(e.path)) {
      ctx.addIssue({ code: "custom", path: [i, "path"], message: `duplicate path ${show(e.path)}` });
      return;
    }
    paths.add(e.path);
    const name = e.volumeName ?? scratchVolumeName(e.path);
    if (names.has(name)) ctx.addIssue({ code: "custom", path: [i, "volumeName"], message: `duplicate volume name ${show(name)}` });
    names.add(name);
  });
});

// Network default (SecureDefaultsPolicy only): named presets plus extra allow rules written in
// NetworkPolicy's own rule and peer syntax, checked as the API server's NetworkPolicy validation does.

export const INGRESS_PRESETS = ["deny-all", "same-namespace"] as const;
export const EGRESS_PRESETS = ["deny-all", "dns", "dns-and-same-namespace", "all-except-cloud-metadata"] as const;
export const NETWORK_PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

/** IANA service name, as a named container port (validation.IsValidPortName). */
function isPortName(s: string): boolean {
  return s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes("--");
}

const cidrText = checkedString((s) =>
  parseCidr(s) ? undefined : `must be a CIDR block such as 10.0.0.0/8 or fd00::/8 (got ${show(s)})`,
);

const ipBlock = z
  .strictObject({ cidr: cidrText, except: z.array(cidrText).nullish() })
  .superRefine((b, ctx) => {
    const outer = parseCidr(b.cidr);
    (b.except ?? []).forEach((e, i) => {
      const inner = parseCidr(e);
      if (outer && inner && !strictlyInside(inner, outer)) {
        ctx.addIssue({ code: "custom", path: ["except", i], message: `${show(e)} must be a strict subset of cidr ${show(b.cidr)}` });
      }
    });
  });

const networkPeer = z
  .strictObject({ podSelector: namespaceSelector.nullish(), namespaceSelector: namespaceSelector.nullish(), ipBlock: ipBlock.nullish() })
  .superRefine((p, ctx) => {
    const selectors = Boolean(p.podSelector) || Boolean(p.namespaceSelector);
    if (p.ipBlock && selectors) {
      ctx.addIssue({ code: "custom", path: ["ipBlock"], message: "may not be combined with podSelector or namespaceSelector in one peer" });
    } else if (!p.ipBlock && !selectors) {
      ctx.addIssue({ code: "custom", message: "must set podSelector, namespaceSelector or ipBlock" });
    }
  });

const networkPort = z
  .strictObject({
    protocol: oneOf(NETWORK_PROTOCOLS, "protocol").nullish(),
    port: z
      .union([z.int(), z.string()], { error: "must be a port number or a port name" })
      .superRefine((port, ctx) => {
        if (typeof port === "number" && (port < 1 || port > 65535)) ctx.addIssue({ code: "custom", message: `must be between 1 and 65535 (got ${port})` });
        if (typeof port === "string" && !isPortName(port)) {
          ctx.addIssue({ code: "custom", message: `must be a port number or an IANA service name (at most 15 characters a-z, 0-9 and '-', with a letter) (got ${show(port)})` });
        }
      })
      .nullish(),
    endPort: z.int().nullish(),
  })
  .superRefine((p, ctx) => {
    if (p.endPort === undefined || p.endPort === null) return;
    if (typeof p.port !== "number") ctx.addIssue({ code: "custom", path: ["endPort"], message: "needs a numeric port to start the range" });
    else if (p.endPort < p.port || p.endPort > 65535) {
      ctx.addIssue({ code: "custom", path: ["endPort"], message: `must be between port (${p.port}) and 65535 (got ${p.endPort})` });
    }
  });

const ingressRule = z.strictObject({ from: z.array(networkPeer).nullish(), ports: z.array(networkPort).nullish() });
const egressRule = z.strictObject({ to: z.array(networkPeer).nullish(), ports: z.array(networkPort).nullish() });

const networkDefault = z
  .strictObject({
    ingress: oneOf(INGRESS_PRESETS, "ingress preset").nullish(),
    egress: oneOf(EGRESS_PRESETS, "egress preset").nullish(),
    allowIngress: z.array(ingressRule).nullish(),
    allowEgress: z.array(egressRule).nullish(),
  })
  .superRefine((n, ctx) => {
    if (!n.ingress && !n.egress) {
      ctx.addIssue({ code: "custom", message: `must set ingress (${INGRESS_PRESETS.join(", ")}) or egress (${EGRESS_PRESETS.join(", ")})` });
    }
    if (n.allowIngress?.length && !n.ingress) {
      ctx.addIssue({ code: "custom", path: ["allowIngress"], message: "needs an ingress preset: extra allow rules only widen a default that denies" });
    }
    if (n.allowEgress?.length && !n.egress) {
      ctx.addIssue({ code: "custom", path: ["allowEgress"], message: "needs an egress preset: extra allow rules only widen a default that denies" });
    }
  });

/** SecureDefaultsPolicy: the PSP spec plus binding, profiles and the Pod Security Standard. */
const sdpSpecShape = {
  ...pspSpecShape,
  namespaces: z
    .array(checkedString((n) => (n.length <= 63 && DNS_LABEL.test(n) ? undefined : `must be a namespace name (a lowercase RFC 1123 label) (got ${show(n)})`)))
    .nullish(),
  namespaceSelector: namespaceSelector.nullish(),
  seccomp: profileStrategy("seccomp").nullish(),
  appArmor: profileStrategy("AppArmor").nullish(),
  podSecurityStandard: podSecurityStandard.optional(),
  userNamespaces: userNamespaces.nullish(),
  /** Absent: everyone may use the policy; `[]`: no one. */
  subjects: z.array(subject).nullish(),
  scratchSpace: scratchSpace.nullish(),
  mode: oneOf(POLICY_MODES, "mode").nullish(),
  networkDefault: networkDefault.nullish(),
};

/** The spec fields only a SecureDefaultsPolicy has (for a hint when they appear in a PodSecurityPolicy). */
export const SDP_ONLY_FIELDS = ["namespaces", "namespaceSelector", "seccomp", "appArmor", "podSecurityStandard", "userNamespaces", "subjects", "scratchSpace", "mode", "networkDefault"];

type PspSpecInput = z.infer<z.ZodObject<typeof pspSpecShape>>;

/** PSP's rules between spec fields (validation.go ValidatePodSecurityPolicySpec). */
function checkSpec(spec: PspSpecInput, ctx: z.RefinementCtx): void {
  const drops = spec.requiredDropCapabilities ?? [];
  if (drops.length > 0 && spec.allowedCapabilities?.includes("*")) {
    ctx.addIssue({ code: "custom", path: ["requiredDropCapabilities"], message: `must be empty when allowedCapabilities contains "*"` });
  }
  for (const list of ["defaultAddCapabilities", "allowedCapabilities"] as const) {
    (spec[list] ?? []).forEach((cap, i) => {
      if (drops.includes(cap)) {
        ctx.addIssue({ code: "custom", path: [list, i], message: `capability ${show(cap)} is listed in ${list} and requiredDropCapabilities` });
      }
    });
  }
  if (spec.defaultAllowPrivilegeEscalation === true && spec.allowPrivilegeEscalation === false) {
    ctx.addIssue({ code: "custom", path: ["defaultAllowPrivilegeEscalation"], message: "cannot be true when allowPrivilegeEscalation is false" });
  }
  checkSysctlOverlap(spec.allowedUnsafeSysctls ?? [], spec.forbiddenSysctls ?? [], ctx);
}

/** validatePodSecurityPolicySysctlListsDoNotOverlap, with the error on the narrower entry. */
function checkSysctlOverlap(allowed: readonly string[], forbidden: readonly string[], ctx: z.RefinementCtx): void {
  const prefix = (p: string) => (p.endsWith("*") ? p.slice(0, -1) : undefined);
  allowed.forEach((a, i) => {
    forbidden.forEach((f, j) => {
      const [pa, pf] = [prefix(a), prefix(f)];
      let on: "allowed" | "forbidden" | undefined;
      if (pa !== undefined && pf !== undefined) on = pa.startsWith(pf) ? "allowed" : pf.startsWith(pa) ? "forbidden" : undefined;
      else if (pa !== undefined) on = f.startsWith(pa) ? "forbidden" : undefined;
      else if (pf !== undefined) on = a.startsWith(pf) ? "allowed" : undefined;
      else on = a === f ? "allowed" : undefined;
      if (on === "allowed") {
        ctx.addIssue({ code: "custom", path: ["allowedUnsafeSysctls", i], message: `${show(a)} overlaps with forbiddenSysctls entry ${show(f)}` });
      } else if (on === "forbidden") {
        ctx.addIssue({ code: "custom", path: ["forbiddenSysctls", j], message: `${show(f)} overlaps with allowedUnsafeSysctls entry ${show(a)}` });
      }
    });
  });
}

export const pspSpec = z.strictObject(pspSpecShape).superRefine(checkSpec);
export const sdpSpec = z.strictObject(sdpSpecShape).superRefine(checkSpec);

export type PspSpec = z.infer<typeof pspSpec>;
export type SdpSpec = z.infer<typeof sdpSpec>;

// ------------------------------------------------------------------------------------------------
// Documents

/** Metadata: the name is required; everything else an exported object carries is accepted and ignored. */
const metadata = z.looseObject({
  name: dnsSubdomain("a policy name"),
  annotations: z.record(z.string(), z.unknown()).nullish(),
});

const documentShape = { apiVersion: z.string(), kind: z.string(), metadata };

export const pspDocument = z.strictObject({ ...documentShape, spec: pspSpec });
export const sdpDocument = z.strictObject({ ...documentShape, spec: sdpSpec });

export type PspDocument = z.infer<typeof pspDocument>;
export type SdpDocument = z.infer<typeof sdpDocument>;
