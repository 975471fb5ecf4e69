// An independent, compact evaluator of the Pod Security Standards (PSS) at every policy version PSA keeps
// (v1.0 to v1.37, the newest; `latest` = v1.37), for checking what the engine admits. It shares nothing
// with src/: the rules were written from the check definitions of k8s.io/pod-security-admission
// (policy/check_*.go, each a list of implementations by `MinimumVersion`) and verified against the
// upstream fixtures and unit-test cases. Check IDs, reasons and details follow upstream, so a message
// reads like PSA's `<reason> (<detail>)`.
// It is an oracle, not product code: it lives in its own folder, apart from src/ (which it must not share
// code with) and from test/, because the tests and the corpus reports in scripts/ both judge with it.
//
// As PSA's registry does, a restricted check replaces a baseline one from its own first version on
// (restrictedVolumes → hostPathVolumes from v1.0, seccompProfile_restricted → seccompProfile_baseline
// from v1.19, capabilities_restricted → capabilities_baseline from v1.22, procMount_restricted →
// procMount from v1.35); before that, the baseline check runs at restricted too. A check with no
// implementation at a version (allowPrivilegeEscalation before v1.8, runAsUser before v1.23,
// hostProbesAndHostLifecycle before v1.34) does not run there.
// Seccomp is read from the alpha annotations before v1.19 and from the seccompProfile fields from v1.19
// (current API servers no longer copy the annotations into the fields); AppArmor is checked in both the
// fields and the `container.apparmor.security.beta.kubernetes.io/*` annotations, as PSA does. By default
// the Pod is read as the API server has defaulted it before admission (see CheckOptions).

export type PodSecurityLevel = "baseline" | "restricted";

export interface PodSecurityViolation {
  /** Upstream check ID, e.g. `runAsNonRoot`. */
  check: string;
  /** `<reason> (<detail>)`, as PSA words it. */
  message: string;
}

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string => (typeof v === "string" ? v : "");
/** Set, as Go sees a pointer field: neither absent nor JSON null. */
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Sorted, de-duplicated (Go's sets.String.List()). */
const sortedSet = (items: Iterable<string>): string[] => [...new Set(items)].sort();
const quoted = (items: readonly string[]): string => items.map((i) => `"${i}"`).join(", ");
const plural = (one: string, many: string, n: number): string => (n === 1 ? one : many);
/** `container "a"` / `containers "a", "b"`. */
const containersPhrase = (names: readonly string[]): string => `${plural("container", "containers", names.length)} ${quoted(names)}`;

interface ContainerView {
  name: string;
  raw: Json;
  /** The container's securityContext, if it is an object. */
  sc?: Json;
}

interface PodView {
  metadata: Json;
  spec: Json;
  podSc?: Json;
  /** init containers, then containers, then ephemeral containers (as PSA visits them). */
  containers: ContainerView[];
  windows: boolean;
  /** `hostUsers: false`: the Pod runs in a user namespace, which relaxes some checks. */
  userNamespace: boolean;
  /** Evaluate the Pod as the API server's defaulting leaves it before admission. */
  apiDefaults: boolean;
}

interface Result {
  reason: string;
  detail: string;
}

type Check = (pod: PodView) => Result | undefined;

function view(pod: unknown, apiDefaults: boolean): PodView {
  const root = asObject(pod) ?? {};
  const spec = asObject(root.spec) ?? {};
  const containers: ContainerView[] = [];
  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const item of asList(spec[list])) {
      const raw = asObject(item) ?? {};
      containers.push({ name: asString(raw.name), raw, sc: asObject(raw.securityContext) });
    }
  }
  return {
    metadata: asObject(root.metadata) ?? {},
    spec,
    podSc: asObject(spec.securityContext),
    containers,
    windows: asObject(spec.os)?.name === "windows",
    userNamespace: spec.hostUsers === false,
    apiDefaults,
  };
}

/** "pod", "containers ...", joined with " and " (the shape of most PSA details). */
function setters(podBad: boolean, badContainers: readonly string[]): string[] {
  const out = podBad ? ["pod"] : [];
  if (badContainers.length) out.push(containersPhrase(badContainers));
  return out;
}

// ---- baseline ---------------------------------------------------------------------------------

const windowsHostProcess: Check = (p) => {
  const isHostProcess = (sc?: Json) => asObject(sc?.windowsOptions)?.hostProcess === true;
  const bad = p.containers.filter((c) => isHostProcess(c.sc)).map((c) => c.name);
  const who = setters(isHostProcess(p.podSc), bad);
  if (!who.length) return undefined;
  return { reason: "hostProcess", detail: `${who.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true` };
};

const hostNamespaces: Check = (p) => {
  const bad = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => p.spec[k] === true).map((k) => `${k}=true`);
  return bad.length ? { reason: "host namespaces", detail: bad.join(", ") } : undefined;
};

const privileged: Check = (p) => {
  const bad = p.containers.filter((c) => c.sc?.privileged === true).map((c) => c.name);
  return bad.length ? { reason: "privileged", detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
};

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

const addedCapabilities = (c: ContainerView): string[] => asList(asObject(c.sc?.capabilities)?.add).map(asString);

const capabilitiesBaseline: Check = (p) => {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of p.containers) {
    const extra = addedCapabilities(c).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (extra.length) {
      bad.push(c.name);
      caps.push(...extra);
    }
  }
  if (!bad.length) return undefined;
  return { reason: "non-default capabilities", detail: `${containersPhrase(bad)} must not include ${quoted(sortedSet(caps))} in securityContext.capabilities.add` };
};

const hostPathVolumes: Check = (p) => {
  const bad = asList(p.spec.volumes).map(asObject).filter((v) => isSet(v?.hostPath)).map((v) => asString(v?.name));
  return bad.length ? { reason: "hostPath volumes", detail: `${plural("volume", "volumes", bad.length)} ${quoted(bad)}` } : undefined;
};

/**
 * Host ports as the API server leaves them before admission: in a hostNetwork Pod, a port without a
 * hostPort gets hostPort = containerPort (SetDefaults_Pod).
 */
const hostPorts: Check = (p) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of p.containers) {
    let uses = false;
    for (const item of asList(c.raw.ports)) {
      const port = asObject(item) ?? {};
      let hostPort = typeof port.hostPort === "number" ? port.hostPort : 0;
      if (hostPort === 0 && p.apiDefaults && p.spec.hostNetwork === true && typeof port.containerPort === "number") hostPort = port.containerPort;
      if (hostPort !== 0) {
        uses = true;
        ports.push(String(hostPort));
      }
    }
    if (uses) bad.push(c.name);
  }
  if (!bad.length) return undefined;
  const list = sortedSet(ports);
  return {
    reason: "hostPort",
    detail: `${containersPhrase(bad)} ${plural("uses", "use", bad.length)} ${plural("hostPort", "hostPorts", list.length)} ${list.join(", ")}`,
  };
};

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const appArmorProfile: Check = (p) => {
  const fieldAllowed = (profile: Json) => profile.type === "RuntimeDefault" || profile.type === "Localhost";
  const who: string[] = [];
  const badTypes: string[] = [];
  const podProfile = asObject(p.podSc?.appArmorProfile);
  if (podProfile && !fieldAllowed(podProfile)) {
    who.push("pod");
    badTypes.push(asString(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of p.containers) {
    const profile = asObject(c.sc?.appArmorProfile);
    if (profile && !fieldAllowed(profile)) {
      bad.push(c.name);
      badTypes.push(asString(profile.type));
    }
  }
  if (bad.length) who.push(containersPhrase(bad));
  const annotations: string[] = [];
  for (const [key, value] of Object.entries(asObject(p.metadata.annotations) ?? {})) {
    const v = asString(value);
    if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === "" || v === "runtime/default" || v.startsWith("localhost/"))) {
      annotations.push(`${key}=${JSON.stringify(v)}`);
    }
  }
  annotations.sort();
  if (annotations.length) who.push(plural("annotation", "annotations", annotations.length));
  if (!who.length) return undefined;
  const values = [...sortedSet(badTypes), ...annotations];
  return {
    reason: plural("forbidden AppArmor profile", "forbidden AppArmor profiles", values.length),
    detail: `${who.join(" and ")} must not set AppArmor profile type to ${quoted(values)}`,
  };
};

function seLinuxOptionsCheck(withEngineType: boolean): Check {
  const allowed = new Set(["", "container_t", "container_init_t", "container_kvm_t", ...(withEngineType ? ["container_engine_t"] : [])]);
  return (p) => seLinuxOptions(p, allowed);
}

function seLinuxOptions(p: PodView, SELINUX_TYPES: ReadonlySet<string>): Result | undefined {
  const types: string[] = [];
  let user = false;
  let role = false;
  const forbidden = (options: Json | undefined): boolean => {
    if (!options) return false;
    let bad = false;
    const type = asString(options.type);
    if (!SELINUX_TYPES.has(type)) {
      types.push(type);
      bad = true;
    }
    if (asString(options.user) !== "") {
      user = true;
      bad = true;
    }
    if (asString(options.role) !== "") {
      role = true;
      bad = true;
    }
    return bad;
  };
  const podBad = forbidden(asObject(p.podSc?.seLinuxOptions));
  const bad = p.containers.filter((c) => forbidden(asObject(c.sc?.seLinuxOptions))).map((c) => c.name);
  const who = setters(podBad, bad);
  if (!who.length) return undefined;
  const what: string[] = [];
  const typeList = sortedSet(types);
  if (typeList.length) what.push(`${plural("type", "types", typeList.length)} ${quoted(typeList)}`);
  if (user) what.push("user may not be set");
  if (role) what.push("role may not be set");
  return { reason: "seLinuxOptions", detail: `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${what.join("; ")}` };
}

/** procMount other than Default; `relaxed` = the baseline check's user-namespace exemption (v1.35+). */
function procMountCheck(relaxed: boolean): Check {
  return (p) => {
    if (relaxed && p.userNamespace) return undefined;
    const bad: string[] = [];
    const types: string[] = [];
    for (const c of p.containers) {
      const value = c.sc?.procMount;
      if (isSet(value) && value !== "Default") {
        bad.push(c.name);
        types.push(asString(value));
      }
    }
    if (!bad.length) return undefined;
    return { reason: "procMount", detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${quoted(sortedSet(types))}` };
  };
}

const validSeccomp = (profile: Json): boolean => profile.type === "RuntimeDefault" || profile.type === "Localhost";

/**
 * Seccomp profiles that are set must be RuntimeDefault or Localhost (v1.19+); restricted also requires
 * one, and from v1.25 exempts Windows Pods (`windowsExempt`).
 */
function seccompCheck(required: boolean, windowsExempt = required): Check {
  return (p) => {
    if (windowsExempt && p.windows) return undefined;
    const values: string[] = [];
    const podProfile = asObject(p.podSc?.seccompProfile);
    const podBad = podProfile !== undefined && !validSeccomp(podProfile);
    if (podBad) values.push(asString(podProfile.type));
    const bad: string[] = [];
    const unset: string[] = [];
    for (const c of p.containers) {
      const profile = asObject(c.sc?.seccompProfile);
      if (profile) {
        if (!validSeccomp(profile)) {
          bad.push(c.name);
          values.push(asString(profile.type));
        }
      } else if (required && !(podProfile && !podBad)) {
        unset.push(c.name);
      }
    }
    const who = setters(podBad, bad);
    if (who.length) {
      return { reason: "seccompProfile", detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${quoted(sortedSet(values))}` };
    }
    if (unset.length) {
      return { reason: "seccompProfile", detail: `pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
    }
    return undefined;
  };
}

/** The safe sysctls, by the policy version that added them (each list adds to the one before). */
const SYSCTLS_ADDED: Record<number, readonly string[]> = {
  0: ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"],
  27: ["net.ipv4.ip_local_reserved_ports"],
  29: ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"],
  32: ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"],
  37: ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"],
};

function sysctlsCheck(since: number): Check {
  const safe = new Set(Object.entries(SYSCTLS_ADDED).filter(([v]) => Number(v) <= since).flatMap(([, names]) => names));
  return (p) => {
    const bad = asList(p.podSc?.sysctls).map((s) => asString(asObject(s)?.name)).filter((name) => !safe.has(name));
    return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
  };
}

const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

/** v1.0-v1.18: seccomp from the alpha annotations, runtime/default, docker/default or localhost/*. */
const seccompAnnotations: Check = (p) => {
  const annotations = asObject(p.metadata.annotations) ?? {};
  const valid = (v: string) => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
  const forbidden: string[] = [];
  const keys = [SECCOMP_POD_ANNOTATION, ...p.containers.map((c) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name)];
  for (const key of keys) {
    if (!(key in annotations)) continue;
    const value = asString(annotations[key]);
    if (!valid(value)) forbidden.push(`${key}=${JSON.stringify(value)}`);
  }
  const list = sortedSet(forbidden);
  return list.length ? { reason: "seccompProfile", detail: `forbidden ${plural("annotation", "annotations", list.length)} ${list.join(", ")}` } : undefined;
};

const hostProbesAndHostLifecycle: Check = (p) => {
  const bad: string[] = [];
  const hosts: string[] = [];
  for (const c of p.containers) {
    const handlers = [c.raw.livenessProbe, c.raw.readinessProbe, c.raw.startupProbe, asObject(c.raw.lifecycle)?.postStart, asObject(c.raw.lifecycle)?.preStop];
    const found: string[] = [];
    for (const handler of handlers.map(asObject)) {
      for (const action of [handler?.httpGet, handler?.tcpSocket].map(asObject)) {
        const host = asString(action?.host);
        if (host !== "") found.push(host);
      }
    }
    if (found.length) {
      bad.push(c.name);
      hosts.push(...found);
    }
  }
  if (!bad.length) return undefined;
  const names = sortedSet(bad);
  const list = sortedSet(hosts);
  return {
    reason: "probe or lifecycle host",
    detail: `${containersPhrase(names)} ${plural("uses", "use", names.length)} ${plural("probe or lifecycle host", "probe or lifecycle hosts", list.length)} ${quoted(list)}`,
  };
};

// ---- restricted -------------------------------------------------------------------------------

const RESTRICTED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "image"]);

const restrictedVolumes: Check = (p) => {
  const names: string[] = [];
  const types: string[] = [];
  for (const item of asList(p.spec.volumes)) {
    const volume = asObject(item) ?? {};
    const sources = Object.keys(volume).filter((k) => k !== "name" && isSet(volume[k]));
    // The API server makes a volume without a source an emptyDir (SetDefaults_Volume).
    if (sources.length === 0 && p.apiDefaults) continue;
    if (sources.some((s) => RESTRICTED_VOLUME_SOURCES.has(s))) continue;
    names.push(asString(volume.name));
    types.push(sources[0] ?? "unknown");
  }
  if (!names.length) return undefined;
  const typeList = sortedSet(types);
  return {
    reason: "restricted volume types",
    detail: `${plural("volume", "volumes", names.length)} ${quoted(names)} ${plural("uses", "use", names.length)} ${plural("restricted volume type", "restricted volume types", typeList.length)} ${quoted(typeList)}`,
  };
};

const allowPrivilegeEscalation = (windowsExempt: boolean): Check => (p) => {
  if (windowsExempt && p.windows) return undefined;
  const bad = p.containers.filter((c) => c.sc?.allowPrivilegeEscalation !== false).map((c) => c.name);
  return bad.length ? { reason: "allowPrivilegeEscalation != false", detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

const capabilitiesRestricted = (windowsExempt: boolean): Check => (p) => {
  if (windowsExempt && p.windows) return undefined;
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of p.containers) {
    const capabilities = asObject(c.sc?.capabilities);
    if (!capabilities || !asList(capabilities.drop).includes("ALL")) missingDrop.push(c.name);
    const extra = addedCapabilities(c).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (extra.length) {
      adding.push(c.name);
      caps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDrop.length) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersPhrase(adding)} must not include ${quoted(sortedSet(caps))} in securityContext.capabilities.add`);
  return details.length ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined;
};

/** `relaxed`: v1.35+, skipped for a Pod in a user namespace. */
const runAsNonRoot = (relaxed: boolean): Check => (p) => {
  if (relaxed && p.userNamespace) return undefined;
  const podValue = p.podSc?.runAsNonRoot;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of p.containers) {
    const value = c.sc?.runAsNonRoot;
    if (value === false) explicit.push(c.name);
    else if (!isSet(value) && podValue !== true) implicit.push(c.name);
  }
  const who = setters(podValue === false, explicit);
  if (who.length) return { reason: "runAsNonRoot != true", detail: `${who.join(" and ")} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: "runAsNonRoot != true", detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

/** `relaxed`: v1.35+, skipped for a Pod in a user namespace. */
const runAsUser = (relaxed: boolean): Check => (p) => {
  if (relaxed && p.userNamespace) return undefined;
  const bad = p.containers.filter((c) => c.sc?.runAsUser === 0).map((c) => c.name);
  const who = setters(p.podSc?.runAsUser === 0, bad);
  return who.length ? { reason: "runAsUser=0", detail: `${who.join(" and ")} must not set runAsUser=0` } : undefined;
};

// ---- registry ---------------------------------------------------------------------------------

/** The newest policy version implemented; `latest` and anything newer evaluate as this one (PSA clamps). */
export const NEWEST_POLICY_VERSION = 37;

interface VersionedCheck {
  /** The minor of the first policy version this implementation applies to (`MinimumVersion`). */
  since: number;
  run: Check;
}

interface CheckDefinition {
  level: PodSecurityLevel;
  /** Oldest first. Before the first, the check does not exist. */
  versions: readonly VersionedCheck[];
  /** Restricted only: the baseline check it replaces, from its first version on. */
  overrides?: string;
}

const CHECKS: Record<string, CheckDefinition> = {
  // baseline
  hostNamespaces: { level: "baseline", versions: [{ since: 0, run: hostNamespaces }] },
  privileged: { level: "baseline", versions: [{ since: 0, run: privileged }] },
  capabilities_baseline: { level: "baseline", versions: [{ since: 0, run: capabilitiesBaseline }] },
  hostPathVolumes: { level: "baseline", versions: [{ since: 0, run: hostPathVolumes }] },
  hostPorts: { level: "baseline", versions: [{ since: 0, run: hostPorts }] },
  appArmorProfile: { level: "baseline", versions: [{ since: 0, run: appArmorProfile }] },
  seLinuxOptions: {
    level: "baseline",
    versions: [
      { since: 0, run: seLinuxOptionsCheck(false) },
      { since: 31, run: seLinuxOptionsCheck(true) },
    ],
  },
  procMount: {
    level: "baseline",
    versions: [
      { since: 0, run: procMountCheck(false) },
      { since: 35, run: procMountCheck(true) },
    ],
  },
  seccompProfile_baseline: {
    level: "baseline",
    versions: [
      { since: 0, run: seccompAnnotations },
      { since: 19, run: seccompCheck(false) },
    ],
  },
  sysctls: { level: "baseline", versions: [0, 27, 29, 32, 37].map((since) => ({ since, run: sysctlsCheck(since) })) },
  windowsHostProcess: { level: "baseline", versions: [{ since: 0, run: windowsHostProcess }] },
  hostProbesAndHostLifecycle: { level: "baseline", versions: [{ since: 34, run: hostProbesAndHostLifecycle }] },
  // restricted
  restrictedVolumes: { level: "restricted", versions: [{ since: 0, run: restrictedVolumes }], overrides: "hostPathVolumes" },
  allowPrivilegeEscalation: {
    level: "restricted",
    versions: [
      { since: 8, run: allowPrivilegeEscalation(false) },
      { since: 25, run: allowPrivilegeEscalation(true) },
    ],
  },
  runAsNonRoot: {
    level: "restricted",
    versions: [
      { since: 0, run: runAsNonRoot(false) },
      { since: 35, run: runAsNonRoot(true) },
    ],
  },
  runAsUser: {
    level: "restricted",
    versions: [
      { since: 23, run: runAsUser(false) },
      { since: 35, run: runAsUser(true) },
    ],
  },
  seccompProfile_restricted: {
    level: "restricted",
    versions: [
      { since: 19, run: seccompCheck(true, false) },
      { since: 25, run: seccompCheck(true, true) },
    ],
    overrides: "seccompProfile_baseline",
  },
  capabilities_restricted: {
    level: "restricted",
    versions: [
      { since: 22, run: capabilitiesRestricted(false) },
      { since: 25, run: capabilitiesRestricted(true) },
    ],
    overrides: "capabilities_baseline",
  },
  procMount_restricted: { level: "restricted", versions: [{ since: 35, run: procMountCheck(false) }], overrides: "procMount" },
};

/** `v1.30` → 30, `latest` → the newest; a number is taken as the minor. Versions above the newest clamp to it. */
export function policyVersion(version: string | number = "latest"): number {
  if (typeof version === "number") return Math.min(version, NEWEST_POLICY_VERSION);
  if (version === "latest") return NEWEST_POLICY_VERSION;
  const match = /^v1\.(\d+)$/.exec(version);
  if (!match) throw new Error(`not a PSA policy version: ${version}`);
  return Math.min(Number(match[1]), NEWEST_POLICY_VERSION);
}

/** The implementation of a check at a version, if the check exists there. */
function implementation(id: string, minor: number): Check | undefined {
  const versions = CHECKS[id]?.versions ?? [];
  let found: Check | undefined;
  for (const v of versions) if (v.since <= minor) found = v.run;
  return found;
}

/** The checks evaluated at a level and version, by ID (PSA's registry, overrides applied). */
function checksAt(level: PodSecurityLevel, minor: number): [string, Check][] {
  const active = Object.entries(CHECKS).filter(([id, def]) => (level === "restricted" || def.level === "baseline") && implementation(id, minor));
  const overridden = new Set(active.filter(([, def]) => level === "restricted" && def.overrides).map(([, def]) => def.overrides as string));
  return active.filter(([id]) => !overridden.has(id)).map(([id]) => [id, implementation(id, minor) as Check]);
}

/** The check IDs evaluated at a level (and policy version, default latest). */
export function podSecurityChecks(level: PodSecurityLevel, version?: string | number): string[] {
  return checksAt(level, policyVersion(version)).map(([id]) => id);
}

export interface CheckOptions {
  /**
   * Evaluate the Pod as PSA sees it on the API server, after defaulting (default true): a volume
   * without a source is an emptyDir, and in a hostNetwork Pod a port's hostPort defaults to its
   * containerPort. false evaluates the fields exactly as given (as upstream's unit tests call a check).
   */
  apiDefaults?: boolean;
  /** The policy version, `v1.<minor>` or `latest` (default), as the namespace label writes it. */
  version?: string | number;
}

/** Evaluates a v1 Pod (`{metadata, spec}`) against a Pod Security Standard level; empty = passes. */
export function checkPodSecurity(pod: unknown, level: PodSecurityLevel, options: CheckOptions = {}): PodSecurityViolation[] {
  const p = view(pod, options.apiDefaults ?? true);
  const out: PodSecurityViolation[] = [];
  for (const [check, run] of checksAt(level, policyVersion(options.version))) {
    const result = run(p);
    if (result) out.push({ check, message: `${result.reason} (${result.detail})` });
  }
  return out;
}

/** One check at one version, as upstream's unit tests call it (no API defaulting). */
export function runPodSecurityCheck(id: string, pod: unknown, version?: string | number): { allowed: boolean; reason?: string; detail?: string } {
  if (!CHECKS[id]) throw new Error(`no check ${id}`);
  const run = implementation(id, policyVersion(version));
  if (!run) return { allowed: true }; // not in force at that version
  const result = run(view(pod, false));
  return result ? { allowed: false, reason: result.reason, detail: result.detail } : { allowed: true };
}

/** Where each workload kind keeps its pod template (a Pod is its own). */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/**
 * The Pod PSA would see for an object: a Pod itself, or for a workload the Pod its controller makes
 * from the pod template (`{metadata, spec}` of the template). Undefined for other kinds.
 */
export function podOfObject(object: unknown): Json | undefined {
  const root = asObject(object);
  if (!root) return undefined;
  if (root.kind === "Pod") return root;
  const path = TEMPLATE_PATHS[asString(root.kind)];
  if (!path) return undefined;
  let node: Json | undefined = root;
  for (const key of path) node = asObject(node?.[key]);
  if (!node) return undefined;
  return { apiVersion: "v1", kind: "Pod", metadata: asObject(node.metadata) ?? {}, spec: asObject(node.spec) ?? {} };
}
