// Seeded generators of Pods and policies for property tests. Deterministic: a failure names its seed.
import type { GroupStrategy, Policy } from "../../src/engine/types.js";

export type Random = () => number;

/** mulberry32: a small, fast, seedable PRNG. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)];
const maybe = (r: Random, p = 0.5): boolean => r() < p;
const subset = <T>(r: Random, items: readonly T[], p = 0.3): T[] => items.filter(() => maybe(r, p));

const CAPS = ["ALL", "CHOWN", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SYS_TIME", "SETUID", "KILL"];
const VOLUME_TYPES = ["configMap", "emptyDir", "secret", "projected", "hostPath", "persistentVolumeClaim", "downwardAPI"];
const SECCOMP = ["runtime/default", "localhost/profiles/audit.json", "unconfined"];

function groupStrategy(r: Random): GroupStrategy {
  const rule = pick(r, ["MustRunAs", "MayRunAs", "RunAsAny"] as const);
  if (rule === "RunAsAny") return { rule, ranges: [] };
  const min = pick(r, [1, 100, 1000]);
  return { rule, ranges: [{ min, max: min + pick(r, [0, 10, 60000]) }] };
}

export function randomPolicy(r: Random, name: string): Policy {
  const requiredDrop = subset(r, CAPS, 0.25);
  const rest = CAPS.filter((c) => !requiredDrop.includes(c));
  const allowStar = requiredDrop.length === 0 && maybe(r, 0.15);
  const allowEscalation = maybe(r);
  const userRule = pick(r, ["MustRunAs", "MustRunAsNonRoot", "RunAsAny"] as const);
  const seccompDefault = maybe(r) ? pick(r, SECCOMP) : undefined;
  return {
    name,
    source: `generated:${name}`,
    kind: "SecureDefaultsPolicy",
    privileged: maybe(r, 0.2),
    defaultAddCapabilities: subset(r, rest, 0.15),
    requiredDropCapabilities: requiredDrop,
    allowedCapabilities: allowStar ? ["*"] : subset(r, rest, 0.3),
    volumes: maybe(r, 0.2) ? ["*"] : subset(r, VOLUME_TYPES, 0.6),
    hostNetwork: maybe(r, 0.2),
    hostIPC: maybe(r, 0.2),
    hostPID: maybe(r, 0.2),
    hostPorts: maybe(r, 0.3) ? [{ min: 8000, max: 9000 }] : [],
    seLinux: maybe(r, 0.2) ? { rule: "MustRunAs", seLinuxOptions: { level: "s0:c1,c2", type: "container_t" } } : { rule: "RunAsAny" },
    runAsUser: userRule === "MustRunAs" ? { rule: userRule, ranges: [{ min: 1000, max: 2000 }] } : { rule: userRule, ranges: [] },
    runAsGroup: groupStrategy(r),
    supplementalGroups: groupStrategy(r),
    fsGroup: groupStrategy(r),
    readOnlyRootFilesystem: maybe(r),
    defaultAllowPrivilegeEscalation: allowEscalation && maybe(r) ? maybe(r) : maybe(r, 0.3) ? false : undefined,
    allowPrivilegeEscalation: allowEscalation,
    allowedHostPaths: maybe(r, 0.3) ? [{ pathPrefix: "/var/log", readOnly: maybe(r) }] : [],
    allowedFlexVolumes: [],
    allowedCSIDrivers: [],
    allowedUnsafeSysctls: maybe(r, 0.2) ? ["net.core.*"] : [],
    forbiddenSysctls: [],
    allowedProcMountTypes: maybe(r, 0.2) ? ["Default", "Unmasked"] : [],
    runtimeClass: maybe(r, 0.2) ? { allowedRuntimeClassNames: ["gvisor"], defaultRuntimeClassName: "gvisor" } : undefined,
    seccomp: {
      defaultProfile: seccompDefault,
      allowedProfiles: maybe(r, 0.2) ? undefined : maybe(r, 0.3) ? ["*"] : [...new Set([...(seccompDefault ? [seccompDefault] : []), ...subset(r, SECCOMP)])],
    },
    appArmor: maybe(r, 0.7) ? {} : { defaultProfile: "runtime/default", allowedProfiles: ["runtime/default", "localhost/*"] },
    podSecurityStandard: maybe(r, 0.2) ? pick(r, ["baseline", "restricted"] as const) : undefined,
    // Drawn last, so that the draws above (and the seeds' Pods) stay as they were.
    podSecurityStandardVersion: maybe(r, 0.3) ? pick(r, [0, 18, 24, 30, 34, 35, 37]) : undefined,
    userNamespaces: maybe(r, 0.3) ? { runAsUser: { rule: "RunAsAny", ranges: [] }, allowedProcMountTypes: ["Default", "Unmasked"] } : undefined,
  };
}

function randomSecurityContext(r: Random): Record<string, unknown> | undefined {
  if (maybe(r, 0.4)) return undefined;
  const sc: Record<string, unknown> = {};
  if (maybe(r, 0.2)) sc.privileged = maybe(r);
  if (maybe(r, 0.3)) sc.runAsUser = pick(r, [0, 1000, 1500, 65534]);
  if (maybe(r, 0.2)) sc.runAsGroup = pick(r, [0, 1000, 3000]);
  if (maybe(r, 0.3)) sc.runAsNonRoot = maybe(r, 0.8);
  if (maybe(r, 0.3)) sc.readOnlyRootFilesystem = maybe(r);
  if (maybe(r, 0.3)) sc.allowPrivilegeEscalation = maybe(r);
  if (maybe(r, 0.4)) {
    const caps: Record<string, string[]> = {};
    if (maybe(r)) caps.add = subset(r, CAPS, 0.2);
    if (maybe(r)) caps.drop = subset(r, [...CAPS, "all"], 0.3);
    sc.capabilities = caps;
  }
  if (maybe(r, 0.15)) sc.seccompProfile = pick(r, [{ type: "RuntimeDefault" }, { type: "Unconfined" }, { type: "Localhost", localhostProfile: "profiles/audit.json" }]);
  return sc;
}

function randomContainer(r: Random, name: string): Record<string, unknown> {
  const c: Record<string, unknown> = { name, image: "registry.example/app:1" };
  const sc = randomSecurityContext(r);
  if (sc) c.securityContext = sc;
  if (maybe(r, 0.2)) c.ports = [{ containerPort: 8080, ...(maybe(r) ? { hostPort: pick(r, [80, 8080]) } : {}) }];
  if (maybe(r, 0.3)) c.volumeMounts = [{ name: "data", mountPath: "/data", ...(maybe(r) ? { readOnly: true } : {}) }];
  return c;
}

export function randomPod(r: Random, name: string): Record<string, unknown> {
  const containers = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => randomContainer(r, `c${i}`));
  const spec: Record<string, unknown> = { containers };
  if (maybe(r, 0.3)) spec.initContainers = [randomContainer(r, "init")];
  if (maybe(r, 0.5)) {
    const psc: Record<string, unknown> = {};
    if (maybe(r, 0.3)) psc.runAsUser = pick(r, [0, 1000]);
    if (maybe(r, 0.3)) psc.runAsNonRoot = maybe(r, 0.8);
    if (maybe(r, 0.3)) psc.fsGroup = pick(r, [1, 2000]);
    if (maybe(r, 0.2)) psc.supplementalGroups = [pick(r, [1, 100, 5000])];
    if (maybe(r, 0.2)) psc.seccompProfile = { type: "RuntimeDefault" };
    spec.securityContext = psc;
  }
  if (maybe(r, 0.1)) spec.hostNetwork = true;
  if (maybe(r, 0.1)) spec.hostPID = true;
  if (maybe(r, 0.4)) {
    spec.volumes = [
      pick(r, [{ name: "data", emptyDir: {} }, { name: "data", hostPath: { path: pick(r, ["/var/log", "/etc"]) } }, { name: "data", configMap: { name: "cfg" } }]),
    ];
  }
  // Drawn last (see randomPolicy): user namespaces, and the volumes the API server defaults or PSP never knew.
  if (maybe(r, 0.15)) spec.hostUsers = false;
  if (maybe(r, 0.15)) spec.volumes = [...((spec.volumes as unknown[]) ?? []), pick(r, [{ name: "scratch" }, { name: "models", image: { reference: "registry.example/models:1" } }])];
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "generated" }, spec };
}
