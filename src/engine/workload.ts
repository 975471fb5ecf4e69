// Where each supported kind keeps its Pod: the Pod itself, or a pod template. Data, not code per kind.
import type { Pod } from "./types.js";
import { isObject, type Json } from "./json.js";

/** Path (as keys) from the object to its pod template; `[]` means the object is the Pod. */
export const POD_LOCATIONS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export const SUPPORTED_KINDS = Object.keys(POD_LOCATIONS);

export class UnsupportedObjectError extends Error {
  constructor(
    message: string,
    /** Field path of the problem, e.g. `spec.template.spec.containers`. */
    readonly field: string,
  ) {
    super(message);
    this.name = "UnsupportedObjectError";
  }
}

export interface PodLocation {
  /** The Pod (for a template: `{apiVersion, kind, metadata, spec}` built from it). */
  pod: Pod;
  /** Prefix for v1 field paths, e.g. `spec.template.` (empty for a Pod). */
  pathPrefix: string;
  /** Writes a (mutated) Pod back into a copy of the object and returns that copy. */
  writeBack(object: unknown, pod: Pod): unknown;
}

/** Finds the Pod inside `object`, or throws UnsupportedObjectError naming the field. */
export function locatePod(object: unknown): PodLocation {
  if (!isObject(object)) throw new UnsupportedObjectError("the object is not a JSON/YAML mapping", "");
  const kind = object.kind;
  if (typeof kind !== "string" || kind === "") throw new UnsupportedObjectError("the object has no kind", "kind");
  const keys = POD_LOCATIONS[kind];
  if (!keys) {
    throw new UnsupportedObjectError(`kind ${kind} is not supported (supported: ${SUPPORTED_KINDS.join(", ")})`, "kind");
  }
  let node: unknown = object;
  for (const [i, key] of keys.entries()) {
    node = (node as Json)[key];
    if (!isObject(node)) throw new UnsupportedObjectError(`${kind} has no ${keys.slice(0, i + 1).join(".")}`, keys.slice(0, i + 1).join("."));
  }
  const holder = node as Json;
  const prefix = keys.length ? `${keys.join(".")}.` : "";
  if (!isObject(holder.spec)) throw new UnsupportedObjectError(`${kind} has no ${prefix}spec`, `${prefix}spec`);
  if (!Array.isArray(holder.spec.containers)) {
    throw new UnsupportedObjectError(`${kind} has no ${prefix}spec.containers list`, `${prefix}spec.containers`);
  }
  if (keys.length === 0) {
    return { pod: object as Pod, pathPrefix: "", writeBack: (_object, pod) => pod };
  }
  const hadMetadata = "metadata" in holder;
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: (holder.metadata ?? {}) as Pod["metadata"], spec: holder.spec as unknown as Pod["spec"] };
  return {
    pod,
    pathPrefix: prefix,
    writeBack(original, mutated) {
      // Copy only the path down to the template; everything else stays shared with the original.
      const copy: Json = { ...(original as Json) };
      let target: Json = copy;
      for (const key of keys) {
        const child: Json = { ...(target[key] as Json) };
        target[key] = child;
        target = child;
      }
      target.spec = mutated.spec;
      if (hadMetadata || Object.keys(mutated.metadata ?? {}).length > 0) target.metadata = mutated.metadata;
      return copy;
    },
  };
}
