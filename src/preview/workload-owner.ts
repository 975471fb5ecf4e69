// Which workload a running Pod belongs to, from ownerReferences: a ReplicaSet's Pods belong to the
// Deployment that made the ReplicaSet, a Job's Pods to the CronJob that made the Job. Pure: the caller
// passes the workloads it has read. Also who sends the Pod's CREATE to the API server (its creator).

export interface ObjectRef {
  kind: string;
  name: string;
}

export interface PodOwnership {
  /** The top-level workload that owns the Pod (Deployment, StatefulSet, CronJob, ...), null for a bare Pod. */
  workload: ObjectRef | null;
  /** The object whose controller creates the Pod (ReplicaSet for a Deployment's Pods, Job for a CronJob's), null for a bare Pod. */
  creator: ObjectRef | null;
}

interface OwnerReference {
  kind?: unknown;
  name?: unknown;
  controller?: unknown;
}

interface Meta {
  metadata?: { name?: unknown; namespace?: unknown; labels?: unknown; ownerReferences?: unknown };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The managing controller's reference (`controller: true`), else the first owner; null without owners. */
export function controllerOf(object: unknown): ObjectRef | null {
  const refs = (object as Meta | undefined)?.metadata?.ownerReferences;
  if (!Array.isArray(refs) || refs.length === 0) return null;
  const ref = (refs.find((r: OwnerReference) => r?.controller === true) ?? refs[0]) as OwnerReference;
  const kind = text(ref?.kind);
  const name = text(ref?.name);
  return kind && name ? { kind, name } : null;
}

function key(namespace: string, kind: string, name: string): string {
  return `${namespace}\u0000${kind}\u0000${name}`;
}

/** The workloads read from the cluster, looked up by namespace, kind and name. */
export class WorkloadIndex {
  readonly #byKey = new Map<string, unknown>();

  constructor(workloads: readonly unknown[]) {
    for (const w of workloads) {
      const meta = (w as Meta & { kind?: unknown }) ?? {};
      this.#byKey.set(key(text(meta.metadata?.namespace), text(meta.kind), text(meta.metadata?.name)), w);
    }
  }

  get(namespace: string, kind: string, name: string): unknown {
    return this.#byKey.get(key(namespace, kind, name));
  }

  /**
   * The workload whose template is previewed for `object`: a Job made by a CronJob belongs to the
   * CronJob (its template is the CronJob's), anything else to itself.
   */
  topOf(namespace: string, ref: ObjectRef): ObjectRef {
    if (ref.kind === "Job") {
      const owner = controllerOf(this.get(namespace, "Job", ref.name));
      if (owner?.kind === "CronJob") return owner;
    }
    return ref;
  }
}

/**
 * A ReplicaSet made by a Deployment is named `<deployment>-<pod-template-hash>`, and its Pods carry
 * that hash as a label: the Deployment is found by name, without reading ReplicaSets.
 */
function deploymentOfReplicaSet(replicaSet: string, pod: Meta, namespace: string, index: WorkloadIndex): ObjectRef | null {
  const labels = pod.metadata?.labels as Record<string, unknown> | undefined;
  const hash = text(labels?.["pod-template-hash"]);
  if (!hash || !replicaSet.endsWith(`-${hash}`)) return null;
  const name = replicaSet.slice(0, -hash.length - 1);
  return index.get(namespace, "Deployment", name) ? { kind: "Deployment", name } : null;
}

export function podOwnership(pod: unknown, index: WorkloadIndex): PodOwnership {
  const creator = controllerOf(pod);
  if (!creator) return { workload: null, creator: null };
  const namespace = text((pod as Meta).metadata?.namespace);
  if (creator.kind === "ReplicaSet") {
    return { workload: deploymentOfReplicaSet(creator.name, pod as Meta, namespace, index) ?? creator, creator };
  }
  return { workload: index.topOf(namespace, creator), creator };
}

/** The object that creates the Pods of a workload's template: a Deployment's ReplicaSet, a CronJob's Job, else the workload. */
export function templateCreator(workload: ObjectRef): ObjectRef {
  if (workload.kind === "Deployment") return { kind: "ReplicaSet", name: `${workload.name}-<pod-template-hash>` };
  if (workload.kind === "CronJob") return { kind: "Job", name: `${workload.name}-<scheduled time>` };
  return workload;
}
