// The impact preview's evaluation: every Pod read from the cluster, and every workload's pod template,
// is evaluated as the webhook would evaluate a CREATE of it (same policy choice: namespace label,
// bindings, default policy), with the identity the webhook would see; what the webhook never sees
// (excluded namespaces, exempt Pods) is listed, not evaluated. No I/O: the cluster has been read already.
import { evaluateInNamespace, type AdmissionContext } from "../admission/admit.js";
import { CONTROL_PLANE_NAMESPACES, ENABLED_LABEL } from "../policy/choose.js";
import { byName } from "../engine/select.js";
import type { EvaluationResult, Policy } from "../engine/types.js";
import { locatePod } from "../engine/workload.js";
import { assumedIdentity, type AssumedIdentity } from "./assumed-identity.js";
import { previewEntry, type PreviewEntry } from "./entry.js";
import { podOwnership, templateCreator, WorkloadIndex, type ObjectRef } from "./workload-owner.js";

/** One element of `preview --cluster -o json`: the preview JSON element, plus who owns the object and who is assumed to create it. */
export interface ImpactEntry extends PreviewEntry {
  /** The top-level workload: itself for a template, the owning workload for a Pod, null for a bare Pod. */
  workload: ObjectRef | null;
  identity: AssumedIdentity;
}

export interface NamespaceSnapshot {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface SnapshotInput {
  namespaces: readonly NamespaceSnapshot[];
  pods: readonly unknown[];
  workloads: readonly unknown[];
}

export interface NamespaceImpact {
  name: string;
  /** Whether the namespace carries secure-defaults.io/enabled=true (the webhook sees its Pods today). */
  optedIn: boolean;
  /** False for the namespaces the shipped MutatingWebhookConfiguration never sends: nothing is evaluated there. */
  intercepted: boolean;
  entries: ImpactEntry[];
  /** Pods and workloads not evaluated because they (their pod template) carry secure-defaults.io/exempt=true. */
  exempt: ObjectRef[];
}

/**
 * The namespaces manifests/base/webhook.yaml excludes by name (`kubernetes.io/metadata.name NotIn`),
 * whatever their labels: the webhook's own and the control plane's.
 */
export const NOT_INTERCEPTED_NAMESPACES: readonly string[] = ["secure-defaults", ...CONTROL_PLANE_NAMESPACES];
/** The Pod label of the webhook's objectSelector (break glass): such Pods are never sent to the webhook. */
export const EXEMPT_LABEL = "secure-defaults.io/exempt";

function isExempt(pod: unknown): boolean {
  const labels = (pod as { metadata?: { labels?: Record<string, unknown> } } | undefined)?.metadata?.labels;
  return labels?.[EXEMPT_LABEL] === "true";
}

export interface ImpactSettings {
  policies: readonly Policy[];
  defaultPolicy?: string;
  /** Called after each evaluated object with the count so far and the total. */
  onEvaluated?: (done: number, total: number) => void;
}

type Meta = { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };

function namespaceOf(object: unknown): string {
  const ns = (object as Meta).metadata?.namespace;
  return typeof ns === "string" ? ns : "";
}

function refOf(object: unknown): ObjectRef {
  const meta = object as Meta;
  return { kind: String(meta.kind ?? ""), name: String(meta.metadata?.name ?? "") };
}

/**
 * THE one place where the impact preview asks for a decision, exactly as /mutate does for a Pod CREATE.
 * `identity.userInfo` is what the AdmissionReview would carry; the Pod's ServiceAccount is read from the
 * object by policy choice, as the webhook reads it.
 */
async function decide(object: unknown, namespace: string, identity: AssumedIdentity, ctx: AdmissionContext): Promise<EvaluationResult> {
  return evaluateInNamespace(object, namespace, ctx, { operation: "CREATE", userInfo: identity.userInfo });
}

/** Whether a workload's template is previewed: a CronJob's Jobs are covered by the CronJob's template. */
function isTopLevel(workload: unknown, index: WorkloadIndex): boolean {
  const ref = refOf(workload);
  return index.topOf(namespaceOf(workload), ref) === ref;
}

export async function clusterImpact(snapshot: SnapshotInput, settings: ImpactSettings): Promise<NamespaceImpact[]> {
  const labels = new Map(snapshot.namespaces.map((ns) => [ns.name, ns.labels]));
  const ctx: AdmissionContext = {
    policies: settings.policies,
    defaultPolicy: settings.defaultPolicy,
    namespaceLabels: async (namespace) => labels.get(namespace),
  };
  const index = new WorkloadIndex(snapshot.workloads);
  const byNamespace = new Map<string, NamespaceImpact>();
  const impactOf = (name: string): NamespaceImpact => {
    let impact = byNamespace.get(name);
    if (!impact) {
      impact = { name, optedIn: labels.get(name)?.[ENABLED_LABEL] === "true", intercepted: !NOT_INTERCEPTED_NAMESPACES.includes(name), entries: [], exempt: [] };
      byNamespace.set(name, impact);
    }
    return impact;
  };
  for (const ns of snapshot.namespaces) impactOf(ns.name);

  const work: { object: unknown; namespace: string; workload: ObjectRef | null; identity: AssumedIdentity }[] = [];
  /** Whether `object` is to be evaluated; records the exempt ones. */
  const sent = (object: unknown, pod: unknown, namespace: string): boolean => {
    const impact = impactOf(namespace);
    if (!impact.intercepted) return false;
    if (!isExempt(pod)) return true;
    impact.exempt.push(refOf(object));
    return false;
  };
  for (const workload of snapshot.workloads) {
    if (!isTopLevel(workload, index)) continue;
    const namespace = namespaceOf(workload);
    const ref = refOf(workload);
    const template = locatePod(workload).pod;
    if (!sent(workload, template, namespace)) continue;
    work.push({ object: workload, namespace, workload: ref, identity: assumedIdentity(template, namespace, templateCreator(ref)) });
  }
  for (const pod of snapshot.pods) {
    const namespace = namespaceOf(pod);
    if (!sent(pod, pod, namespace)) continue;
    const { workload, creator } = podOwnership(pod, index);
    work.push({ object: pod, namespace, workload, identity: assumedIdentity(pod, namespace, creator) });
  }
  let done = 0;
  for (const item of work) {
    const result = await decide(item.object, item.namespace, item.identity, ctx);
    impactOf(item.namespace).entries.push({ ...previewEntry(item.object, item.namespace, result), workload: item.workload, identity: item.identity });
    settings.onEvaluated?.(++done, work.length);
  }
  return [...byNamespace.values()].sort(byName);
}
