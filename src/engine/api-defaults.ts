// The API server's own defaulting (pkg/apis/core/v1/defaults.go) that changes what a policy check reads.
// Admission webhooks see a Pod after it; a manifest as written (preview) has not had it yet. So the
// engine judges the Pod with these defaults filled in, and takes them out again before the patch and the
// output are computed: they are the API server's, not ours, and never become patch operations.
//   - SetDefaults_Volume: a volume without a source is an emptyDir (the volumes check reads the source).
//   - SetDefaults_Pod with hostNetwork: true: a container or init container port without hostPort gets
//     hostPort = containerPort (the host ports check reads hostPort). Since Kubernetes 1.28 the API
//     server does this for Pods only, not for pod templates, but the Pods a controller makes from a
//     template get it, so a template is judged as those Pods will be.
// The other v1 defaults (protocols, pull policies, DNS policy, termination paths, probe timings, an
// empty pod securityContext, ...) change nothing any check reads, and are left out.
// Pure: the input is never modified; unchanged parts stay shared with it.
import type { ApiDefault, Container, Pod } from "./types.js";
import { isObject, type Json } from "./json.js";

type Volume = NonNullable<NonNullable<Pod["spec"]>["volumes"]>[number];

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** A volume whose only set key is its name (SetDefaults_Volume's "all sources nil"). */
function isSourceless(volume: unknown): boolean {
  return isObject(volume) && Object.keys(volume).every((key) => key === "name" || !isSet(volume[key]));
}

function defaultVolumes(volumes: unknown, assumed: ApiDefault[]): Volume[] | undefined {
  if (!Array.isArray(volumes) || !volumes.some(isSourceless)) return undefined;
  return volumes.map((volume: Volume, i) => {
    if (!isSourceless(volume)) return volume;
    assumed.push({ path: `spec.volumes[${i}].emptyDir`, value: {}, message: `volume ${JSON.stringify(volume.name ?? "")} has no source: the API server makes it an emptyDir` });
    return { ...volume, emptyDir: {} };
  });
}

/** A port that would get hostPort = containerPort: hostPort unset or 0, containerPort a number. */
function defaultsHostPort(port: unknown): port is Json & { containerPort: number } {
  return isObject(port) && (!isSet(port.hostPort) || port.hostPort === 0) && typeof port.containerPort === "number";
}

function defaultPorts(list: "containers" | "initContainers", containers: unknown, assumed: ApiDefault[]): Container[] | undefined {
  if (!Array.isArray(containers)) return undefined;
  const hasDefault = (c: unknown) => isObject(c) && Array.isArray(c.ports) && c.ports.some(defaultsHostPort);
  if (!containers.some(hasDefault)) return undefined;
  return containers.map((container: Container, i) => {
    if (!hasDefault(container)) return container;
    const ports = (container.ports ?? []).map((port, j) => {
      if (!defaultsHostPort(port)) return port;
      assumed.push({
        path: `spec.${list}[${i}].ports[${j}].hostPort`,
        value: port.containerPort,
        message: `hostNetwork Pod: the API server sets hostPort to the containerPort ${port.containerPort}`,
      });
      return { ...port, hostPort: port.containerPort };
    });
    return { ...container, ports };
  });
}

/** The Pod as the API server's defaulting would leave it, and which defaults that assumed. */
export function withApiDefaults(pod: Pod): { pod: Pod; assumed: ApiDefault[] } {
  const spec = pod.spec;
  if (!isObject(spec)) return { pod, assumed: [] };
  const assumed: ApiDefault[] = [];
  const changed: Json = {};
  const volumes = defaultVolumes(spec.volumes, assumed);
  if (volumes) changed.volumes = volumes;
  if (spec.hostNetwork === true) {
    for (const list of ["initContainers", "containers"] as const) {
      const containers = defaultPorts(list, spec[list], assumed);
      if (containers) changed[list] = containers;
    }
  }
  if (assumed.length === 0) return { pod, assumed };
  return { pod: { ...pod, spec: { ...spec, ...changed } as Pod["spec"] }, assumed };
}

/** `spec.volumes[0].emptyDir` → ["spec", "volumes", 0, "emptyDir"]. */
function segments(path: string): (string | number)[] {
  return path.split(".").flatMap((part) => {
    const match = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) return [part];
    return [match[1], ...[...match[2].matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]))];
  });
}

/** The value at a v1 field path, or undefined. */
function valueAt(root: unknown, keys: readonly (string | number)[]): { found: boolean; value: unknown } {
  let node: unknown = root;
  for (const key of keys) {
    if (typeof node !== "object" || node === null || !(key in node)) return { found: false, value: undefined };
    node = (node as Record<string | number, unknown>)[key];
  }
  return { found: true, value: node };
}

/**
 * Takes the assumed defaults out of a Pod judged with them (the result of the policy), copying only
 * the path to each changed key: the key gets back what `original` had there (e.g. `hostPort: 0`), or
 * goes when it had none. A default is taken out only where the value is still the default's.
 */
export function withoutApiDefaults(pod: Pod, assumed: readonly ApiDefault[], original: Pod): Pod {
  let root: unknown = pod;
  for (const item of assumed) {
    const keys = segments(item.path);
    const before = valueAt(original, keys);
    const copy = (node: unknown, depth: number): unknown => {
      const key = keys[depth];
      if (Array.isArray(node) && typeof key === "number" && depth < keys.length - 1) {
        const next = [...node];
        next[key] = copy(node[key], depth + 1);
        return next;
      }
      if (!isObject(node) || typeof key !== "string") return node;
      if (depth === keys.length - 1) {
        if (JSON.stringify(node[key]) !== JSON.stringify(item.value)) return node;
        const rest = { ...node };
        if (before.found) rest[key] = before.value;
        else delete rest[key];
        return rest;
      }
      if (node[key] === undefined) return node;
      return { ...node, [key]: copy(node[key], depth + 1) };
    };
    root = copy(root, 0);
  }
  return root as Pod;
}
