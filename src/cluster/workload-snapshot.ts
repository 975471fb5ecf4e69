// What runs in a cluster now, for the impact preview: the namespaces in scope with their labels, their
// Pods, and the workloads whose pod templates create Pods (Deployments, StatefulSets, DaemonSets, Jobs,
// CronJobs). Read-only list calls, paginated; nothing is written.
import type { KubeConfig } from "@kubernetes/client-node";
import { isObject } from "../engine/json.js";
import { getOne, listAll, type KubeObject, type ResourceRef } from "./paginated-list.js";

export const NAMESPACES: ResourceRef = { group: "", version: "v1", resource: "namespaces", kind: "Namespace" };
export const PODS: ResourceRef = { group: "", version: "v1", resource: "pods", kind: "Pod" };

/** The workload kinds whose pod templates are read, in the order they are listed. */
export const WORKLOADS: readonly ResourceRef[] = [
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment" },
  { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet" },
  { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet" },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job" },
  { group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob" },
];

export interface NamespaceInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface ClusterSnapshot {
  /** The namespaces in scope, by name; a namespace with nothing in it is listed too. */
  namespaces: NamespaceInfo[];
  pods: KubeObject[];
  workloads: KubeObject[];
}

/** One namespace, or every namespace the caller may list. */
export type Scope = { namespace: string } | "all-namespaces";

export interface ReadProgress {
  /** After each page: the resource and how many of its objects have been read so far. */
  (resource: string, itemsSoFar: number): void;
}

function namespaceInfo(object: KubeObject): NamespaceInfo {
  const labels = object.metadata.labels;
  return { name: object.metadata.name ?? "", labels: isObject(labels) ? { ...(labels as Record<string, string>) } : {} };
}

export async function readSnapshot(kc: KubeConfig, scope: Scope, options: { chunkSize?: number; progress?: ReadProgress } = {}): Promise<ClusterSnapshot> {
  const namespace = scope === "all-namespaces" ? undefined : scope.namespace;
  const list = (ref: ResourceRef) => listAll(kc, ref, namespace, { chunkSize: options.chunkSize, onPage: (n) => options.progress?.(ref.resource, n) });
  const namespaces =
    namespace === undefined ? (await list(NAMESPACES)).map(namespaceInfo) : [namespaceInfo(await getOne(kc, NAMESPACES, namespace))];
  const pods = await list(PODS);
  const workloads: KubeObject[] = [];
  for (const ref of WORKLOADS) workloads.push(...(await list(ref)));
  namespaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { namespaces, pods, workloads };
}
