// The types of the fields the strategies read. The API server refuses a Pod whose `privileged` is the
// string "true" (it cannot decode it); the strategies compare with `=== true` and would let it through,
// or default around it and send a patch. So such a Pod is refused before any strategy runs, naming every
// wrongly typed field: never judged, never patched. JSON null counts as unset everywhere, as in Kubernetes.
import type { Pod } from "./types.js";
import { UnsupportedObjectError } from "./workload.js";
import { isObject, type Json } from "./json.js";

/** A field's expected type: a scalar, a list of one shape, a map of strings, or an object with known fields. */
type Shape =
  | "boolean"
  | "integer"
  | "string"
  | "stringMap"
  | { list: Shape }
  | { fields: Readonly<Record<string, Shape>> };

const SELINUX: Shape = { fields: { user: "string", role: "string", type: "string", level: "string" } };
const PROFILE: Shape = { fields: { type: "string", localhostProfile: "string" } };
const WINDOWS: Shape = { fields: { hostProcess: "boolean", runAsUserName: "string", gmsaCredentialSpecName: "string", gmsaCredentialSpec: "string" } };
const HANDLER: Shape = { fields: { httpGet: { fields: { host: "string" } }, tcpSocket: { fields: { host: "string" } } } };

const CONTAINER_SECURITY_CONTEXT: Shape = {
  fields: {
    privileged: "boolean",
    allowPrivilegeEscalation: "boolean",
    readOnlyRootFilesystem: "boolean",
    runAsNonRoot: "boolean",
    runAsUser: "integer",
    runAsGroup: "integer",
    procMount: "string",
    capabilities: { fields: { add: { list: "string" }, drop: { list: "string" } } },
    seLinuxOptions: SELINUX,
    seccompProfile: PROFILE,
    appArmorProfile: PROFILE,
    windowsOptions: WINDOWS,
  },
};

const CONTAINER: Shape = {
  fields: {
    name: "string",
    securityContext: CONTAINER_SECURITY_CONTEXT,
    ports: { list: { fields: { hostPort: "integer", containerPort: "integer" } } },
    volumeMounts: { list: { fields: { name: "string", readOnly: "boolean" } } },
    livenessProbe: HANDLER,
    readinessProbe: HANDLER,
    startupProbe: HANDLER,
    lifecycle: { fields: { postStart: HANDLER, preStop: HANDLER } },
  },
};

/** Volume sources the strategies read into; any other source only has to be an object (volumes.ts decides). */
const VOLUME_FIELDS: Readonly<Record<string, Shape>> = {
  name: "string",
  hostPath: { fields: { path: "string" } },
  flexVolume: { fields: { driver: "string" } },
  csi: { fields: { driver: "string" } },
  projected: { fields: {} },
};
const VOLUME: Shape = { fields: VOLUME_FIELDS };

const POD: Shape = {
  fields: {
    metadata: { fields: { name: "string", namespace: "string", annotations: "stringMap" } },
    spec: {
      fields: {
        hostNetwork: "boolean",
        hostPID: "boolean",
        hostIPC: "boolean",
        hostUsers: "boolean",
        runtimeClassName: "string",
        os: { fields: { name: "string" } },
        securityContext: {
          fields: {
            runAsUser: "integer",
            runAsGroup: "integer",
            runAsNonRoot: "boolean",
            fsGroup: "integer",
            supplementalGroups: { list: "integer" },
            sysctls: { list: { fields: { name: "string", value: "string" } } },
            seLinuxOptions: SELINUX,
            seccompProfile: PROFILE,
            appArmorProfile: PROFILE,
            windowsOptions: WINDOWS,
          },
        },
        volumes: { list: VOLUME },
        initContainers: { list: CONTAINER },
        containers: { list: CONTAINER },
        ephemeralContainers: { list: CONTAINER },
      },
    },
  },
};

/** Wrongly typed fields named in one message; the rest are counted. */
const MAX_NAMED = 10;

export class FieldTypeError extends UnsupportedObjectError {
  constructor(message: string, field: string) {
    super(message, field);
    this.name = "FieldTypeError";
  }
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `the ${typeof value} ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
}

function expected(shape: Shape): string {
  if (shape === "boolean") return "a boolean";
  if (shape === "integer") return "an integer";
  if (shape === "string") return "a string";
  if (shape === "stringMap") return "a map of strings";
  return "list" in shape ? "a list" : "an object";
}

function matches(value: unknown, shape: Shape): boolean {
  if (shape === "boolean") return typeof value === "boolean";
  if (shape === "integer") return Number.isSafeInteger(value);
  if (shape === "string") return typeof value === "string";
  if (shape === "stringMap") return isObject(value) && Object.values(value).every((v) => typeof v === "string");
  return "list" in shape ? Array.isArray(value) : isObject(value);
}

function dotted(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Collects `path must be X, not Y` for every wrongly typed field below `value` (recursion as deep as the shapes, a few levels). */
function collect(value: unknown, shape: Shape, path: string, problems: string[], fields: string[]): void {
  if (value === undefined || value === null) return;
  if (!matches(value, shape)) {
    if (shape === "stringMap" && isObject(value)) {
      const key = Object.keys(value).find((k) => typeof value[k] !== "string") ?? "";
      problems.push(`${dotted(path, key)} must be a string, not ${describeValue(value[key])}`);
      fields.push(dotted(path, key));
      return;
    }
    problems.push(`${path} must be ${expected(shape)}, not ${describeValue(value)}`);
    fields.push(path);
    return;
  }
  if (typeof shape === "string") return;
  if ("list" in shape) {
    const items = value as unknown[];
    const item = shape.list;
    for (let i = 0; i < items.length; i++) {
      // A list entry is never unset: null in a list of names or containers is as wrong as a number.
      if (items[i] === null || items[i] === undefined) {
        problems.push(`${path}[${i}] must be ${expected(item)}, not null`);
        fields.push(`${path}[${i}]`);
        continue;
      }
      collect(items[i], item, `${path}[${i}]`, problems, fields);
    }
    return;
  }
  const holder = value as Json;
  for (const [key, child] of Object.entries(shape.fields)) collect(holder[key], child, dotted(path, key), problems, fields);
}

/** Source keys of `spec.volumes[*]` that must be objects when set (volumes.ts's table). */
function checkVolumeSources(pod: Pod, sourceKeys: readonly string[], prefix: string, problems: string[], fields: string[]): void {
  const volumes = (pod.spec as unknown as Json | undefined)?.volumes;
  if (!Array.isArray(volumes)) return;
  volumes.forEach((volume: unknown, index) => {
    if (!isObject(volume)) return;
    for (const key of sourceKeys) {
      if (key in VOLUME_FIELDS) continue; // checked with its fields by collect
      const source = volume[key];
      if (source === undefined || source === null || isObject(source)) continue;
      problems.push(`${prefix}spec.volumes[${index}].${key} must be an object, not ${describeValue(source)}`);
      fields.push(`${prefix}spec.volumes[${index}].${key}`);
    }
  });
}

/**
 * Throws FieldTypeError naming the wrongly typed fields among those the strategies read (`prefix` is
 * prepended to field paths, e.g. `spec.template.`), the volume sources in `volumeSources` included.
 */
export function checkFieldTypes(pod: Pod, prefix: string, volumeSources: readonly string[]): void {
  const problems: string[] = [];
  const fields: string[] = [];
  collect(pod, POD, prefix.replace(/\.$/, ""), problems, fields);
  checkVolumeSources(pod, volumeSources, prefix, problems, fields);
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_NAMED).join("; ");
  const more = problems.length > MAX_NAMED ? `; and ${problems.length - MAX_NAMED} more` : "";
  throw new FieldTypeError(`${problems.length} field${problems.length === 1 ? " has" : "s have"} the wrong type: ${shown}${more}`, fields[0]);
}
