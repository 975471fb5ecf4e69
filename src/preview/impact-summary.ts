// Counts for the impact preview's table, per namespace and per owning workload: Pods admitted unchanged,
// defaulted (with the fields most often defaulted) and denied (with the top reasons), and what the
// workload's pod template would get. Pure: input is the evaluated entries.
import { POD_LOCATIONS } from "../engine/workload.js";
import { identityLabel } from "./assumed-identity.js";
import type { ImpactEntry, NamespaceImpact } from "./cluster-impact.js";

export type Outcome = "unchanged" | "defaulted" | "denied";

export interface Counts {
  total: number;
  unchanged: number;
  defaulted: number;
  denied: number;
}

export interface WorkloadRow {
  /** `Deployment/web`; a bare Pod is its own row, `Pod/name`. */
  workload: string;
  pods: Counts;
  /** What the workload's template would get; null for rows without a template read (bare Pods, ReplicaSets without a Deployment, ...). */
  template: Outcome | null;
  /** The Pods' (or template's) ServiceAccounts, and the identities their CREATEs are assumed to come from. */
  serviceAccounts: string[];
  requestedAs: string[];
}

export interface Tally {
  /** A field path (list indexes as `[*]`, template prefixes removed), or a denial reason. */
  what: string;
  /** In how many objects (Pods and templates). */
  count: number;
}

export interface NamespaceSummary {
  name: string;
  optedIn: boolean;
  intercepted: boolean;
  /** `Pod/debug`, `Deployment/web`: not evaluated, labelled secure-defaults.io/exempt=true. */
  exempt: string[];
  pods: Counts;
  templates: Counts;
  rows: WorkloadRow[];
  defaultedFields: Tally[];
  denialReasons: Tally[];
}

export function outcomeOf(entry: { allowed: boolean; patch: readonly unknown[] }): Outcome {
  if (!entry.allowed) return "denied";
  return entry.patch.length > 0 ? "defaulted" : "unchanged";
}

function emptyCounts(): Counts {
  return { total: 0, unchanged: 0, defaulted: 0, denied: 0 };
}

function add(counts: Counts, outcome: Outcome): void {
  counts.total += 1;
  counts[outcome] += 1;
}

const TEMPLATE_PREFIXES = Object.values(POD_LOCATIONS)
  .filter((keys) => keys.length > 0)
  .map((keys) => `${keys.join(".")}.`)
  .sort((a, b) => b.length - a.length);

/** `spec.template.spec.containers[1].securityContext` → `spec.containers[*].securityContext`. */
export function podFieldPath(path: string, kind: string): string {
  const prefix = kind === "Pod" ? undefined : TEMPLATE_PREFIXES.find((p) => path.startsWith(p));
  return (prefix ? path.slice(prefix.length) : path).replace(/\[\d+\]/g, "[*]");
}

class Tallies {
  readonly #counts = new Map<string, number>();

  /** Counts each distinct key once for the object. */
  addObject(keys: Iterable<string>): void {
    for (const key of new Set(keys)) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  top(n: number): Tally[] {
    return [...this.#counts.entries()]
      .map(([what, count]) => ({ what, count }))
      .sort((a, b) => b.count - a.count || (a.what < b.what ? -1 : a.what > b.what ? 1 : 0))
      .slice(0, n);
  }
}

function rowName(entry: ImpactEntry): string {
  return entry.workload ? `${entry.workload.kind}/${entry.workload.name}` : `Pod/${entry.name}`;
}

function pushNew(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

export function summariseNamespace(impact: NamespaceImpact, top = 5): NamespaceSummary {
  const rows = new Map<string, WorkloadRow>();
  const pods = emptyCounts();
  const templates = emptyCounts();
  const fields = new Tallies();
  const reasons = new Tallies();
  for (const entry of impact.entries) {
    const name = rowName(entry);
    let row = rows.get(name);
    if (!row) {
      row = { workload: name, pods: emptyCounts(), template: null, serviceAccounts: [], requestedAs: [] };
      rows.set(name, row);
    }
    const outcome = outcomeOf(entry);
    if (entry.kind === "Pod") {
      add(row.pods, outcome);
      add(pods, outcome);
    } else {
      row.template = outcome;
      add(templates, outcome);
    }
    pushNew(row.serviceAccounts, entry.identity.serviceAccount.name);
    pushNew(row.requestedAs, identityLabel(entry.identity));
    fields.addObject(entry.reasons.map((r) => podFieldPath(r.path, entry.kind)));
    reasons.addObject(entry.violations.map((v) => `${podFieldPath(v.path, entry.kind)}: ${v.message}`));
  }
  return {
    name: impact.name,
    optedIn: impact.optedIn,
    intercepted: impact.intercepted,
    exempt: impact.exempt.map((r) => `${r.kind}/${r.name}`),
    pods,
    templates,
    rows: [...rows.values()],
    defaultedFields: fields.top(top),
    denialReasons: reasons.top(top),
  };
}

export function summarise(impacts: readonly NamespaceImpact[], top = 5): NamespaceSummary[] {
  return impacts.map((impact) => summariseNamespace(impact, top));
}
