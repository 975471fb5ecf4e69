// Volumes (psp-semantics 6): volume types, the projected service-account-token exception,
// allowedHostPaths (with the read-only mount requirement), allowedFlexVolumes and allowedCSIDrivers.
// Never mutated: a volume or mount PSP does not accept is rejected, not fixed.
import { containerViews } from "./containers.js";
import type { Findings, Pod, PodStep, Policy } from "./types.js";
import { isObject, type Json } from "./json.js";

type Volume = NonNullable<NonNullable<Pod["spec"]>["volumes"]>[number];
/**
 * v1 volume source key → PSP FS type name, in the order PSP's GetVolumeFSType tested them. Only
 * `cephfs` is spelled differently (`cephFS`).
 */
const VOLUME_TYPES: readonly (readonly [string, string])[] = [
  ["hostPath", "hostPath"],
  ["emptyDir", "emptyDir"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["gitRepo", "gitRepo"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["flexVolume", "flexVolume"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["flocker", "flocker"],
  ["downwardAPI", "downwardAPI"],
  ["fc", "fc"],
  ["azureFile", "azureFile"],
  ["configMap", "configMap"],
  ["vsphereVolume", "vsphereVolume"],
  ["quobyte", "quobyte"],
  ["azureDisk", "azureDisk"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["portworxVolume", "portworxVolume"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
  // Not PSP: the image volume (KEP-4639, Kubernetes 1.31+), an OCI image mounted read-only.
  ["image", "image"],
];

/** The v1 keys of the volume sources this file knows. */
export const VOLUME_SOURCE_KEYS: readonly string[] = VOLUME_TYPES.map(([key]) => key);

interface VolumeType {
  /** The v1 key holding the source, e.g. `cephfs`. */
  key: string;
  /** The PSP type name, e.g. `cephFS`; undefined for a source neither PSP nor we know. */
  fsType?: string;
}

/** The volume's source: the first known key set, else the first other key set (a newer type). */
function volumeType(volume: Json): VolumeType | undefined {
  for (const [key, fsType] of VOLUME_TYPES) if (isObject(volume[key])) return { key, fsType };
  const other = Object.keys(volume).find((k) => k !== "name" && isObject(volume[k]));
  return other === undefined ? undefined : { key: other };
}

/**
 * The volume the service-account admission plugin injects (1.21+): only a `token` service account
 * token without audience, the `kube-root-ca.crt` ConfigMap and the namespace from the downward API.
 * PSP accepted such a projected volume wherever `secret` volumes were allowed.
 */
export function isOnlyServiceAccountTokenSources(projected: Json): boolean {
  const sources = Array.isArray(projected.sources) ? projected.sources : [];
  return sources.every((source: unknown) => {
    if (!isObject(source)) return false;
    const { serviceAccountToken: token, configMap, downwardAPI } = source;
    if (!isObject(token) && !isObject(configMap) && !isObject(downwardAPI)) return false;
    if (isObject(token) && (token.path !== "token" || (token.audience !== undefined && token.audience !== null && token.audience !== ""))) return false;
    if (isObject(configMap) && configMap.name !== "kube-root-ca.crt") return false;
    if (isObject(downwardAPI)) {
      const items = Array.isArray(downwardAPI.items) ? downwardAPI.items : [];
      const onlyNamespace = items.every(
        (item: unknown) =>
          isObject(item) &&
          item.path === "namespace" &&
          isObject(item.fieldRef) &&
          item.fieldRef.apiVersion === "v1" &&
          item.fieldRef.fieldPath === "metadata.namespace",
      );
      if (!onlyNamespace) return false;
    }
    return true;
  });
}

/**
 * PSP's hasPathPrefix: `path` equals `prefix` or continues it at a `/` boundary, after dropping one
 * trailing `/` from each (`/foo` covers `/foo` and `/foo/x`, not `/foobar`; `/` covers everything).
 */
export function hasPathPrefix(path: string, prefix: string): boolean {
  const s = path.endsWith("/") ? path.slice(0, -1) : path;
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (!s.startsWith(p)) return false;
  return s.length === p.length || s[p.length] === "/";
}

/** PSP's AllowsHostVolumePath: allowed at all, and whether every mount must be read-only. */
function hostPathAllowance(policy: Policy, path: string): { allowed: boolean; readOnly: boolean } {
  if (policy.allowedHostPaths.length === 0) return { allowed: true, readOnly: false };
  let allowed = false;
  for (const entry of policy.allowedHostPaths) {
    if (!hasPathPrefix(path, entry.pathPrefix)) continue;
    if (!entry.readOnly) return { allowed: true, readOnly: false };
    allowed = true;
  }
  return { allowed, readOnly: allowed };
}

function formatHostPaths(policy: Policy): string {
  return `[${policy.allowedHostPaths.map((p) => (p.readOnly ? `${p.pathPrefix} (read-only)` : p.pathPrefix)).join(", ")}]`;
}

function checkHostPath(writableMounts: () => Map<unknown, string[]>, volume: Json, index: number, policy: Policy, out: Findings): void {
  const source = volume.hostPath as Json;
  const path = typeof source.path === "string" ? source.path : "";
  const { allowed, readOnly } = hostPathAllowance(policy, path);
  if (!allowed) {
    out.violations.push({
      policy: policy.name,
      path: `spec.volumes[${index}].hostPath.path`,
      field: "allowedHostPaths",
      message: `Host path ${path} is not allowed to be used. Allowed host paths: ${formatHostPaths(policy)}`,
    });
    return;
  }
  if (!readOnly) return;
  for (const mountPath of writableMounts().get(volume.name) ?? []) {
    out.violations.push({
      policy: policy.name,
      path: mountPath,
      field: "allowedHostPaths",
      message: `must be read-only: volume "${String(volume.name)}" uses host path ${path}, which the policy allows read-only only`,
    });
  }
}

/**
 * The paths (`<container>.volumeMounts[j].readOnly`) of the mounts that are not read-only, by volume name:
 * one pass over the containers, so a Pod with many hostPath volumes and mounts costs linear time.
 */
function writableMountsByVolume(pod: Pod): Map<unknown, string[]> {
  const byVolume = new Map<unknown, string[]>();
  for (const view of containerViews(pod)) {
    const mounts = view.container.volumeMounts;
    if (!Array.isArray(mounts)) continue;
    mounts.forEach((mount, j) => {
      if (!mount || typeof mount !== "object" || mount.readOnly === true) return;
      const paths = byVolume.get(mount.name) ?? [];
      if (paths.length === 0) byVolume.set(mount.name, paths);
      paths.push(`${view.path}.volumeMounts[${j}].readOnly`);
    });
  }
  return byVolume;
}

function checkDriver(
  volume: Json,
  index: number,
  key: "flexVolume" | "csi",
  drivers: readonly string[],
  policy: Policy,
  out: Findings,
): void {
  if (drivers.length === 0) return;
  const driver = (volume[key] as Json).driver;
  if (typeof driver === "string" && drivers.includes(driver)) return;
  const what = key === "flexVolume" ? "Flexvolume driver" : "Inline CSI driver";
  out.violations.push({
    policy: policy.name,
    path: `spec.volumes[${index}].${key}.driver`,
    field: key === "flexVolume" ? "allowedFlexVolumes" : "allowedCSIDrivers",
    message: `${what} ${JSON.stringify(driver ?? "")} is not allowed to be used. Allowed drivers: [${drivers.join(", ")}]`,
  });
}

export const checkVolumes: PodStep = (pod, policy, out) => {
  const volumes: readonly Volume[] = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  const allowAll = policy.volumes.includes("*");
  let writable: Map<unknown, string[]> | undefined;
  const writableMounts = () => (writable ??= writableMountsByVolume(pod));
  volumes.forEach((raw, index) => {
    if (!isObject(raw)) return;
    const volume: Json = raw;
    const type = volumeType(volume);
    if (!type) {
      out.violations.push({ policy: policy.name, path: `spec.volumes[${index}]`, field: "volumes", message: `unknown volume type for volume ${JSON.stringify(volume.name ?? "")}` });
      return;
    }
    const name = type.fsType ?? type.key;
    const listed = type.fsType !== undefined && policy.volumes.includes(type.fsType);
    if (!allowAll && !listed) {
      const saToken = name === "projected" && policy.volumes.includes("secret") && isOnlyServiceAccountTokenSources(volume.projected as Json);
      if (saToken) return;
      out.violations.push({
        policy: policy.name,
        path: `spec.volumes[${index}].${type.key}`,
        field: "volumes",
        message: `${name} volumes are not allowed to be used`,
      });
      return;
    }
    if (name === "hostPath") checkHostPath(writableMounts, volume, index, policy, out);
    else if (name === "flexVolume") checkDriver(volume, index, "flexVolume", policy.allowedFlexVolumes.map((d) => d.driver), policy, out);
    else if (name === "csi") checkDriver(volume, index, "csi", policy.allowedCSIDrivers.map((d) => d.name), policy, out);
  });
};
