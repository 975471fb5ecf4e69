// The impact preview's human output: one block per namespace with a table of its workloads, the fields
// most often defaulted and the top denial reasons, then the totals. Pure text formatting.
import { ENABLED_LABEL } from "../policy/choose.js";
import { EXEMPT_LABEL } from "./cluster-impact.js";
import type { Counts, NamespaceSummary, Tally } from "./impact-summary.js";

const HEADER = ["WORKLOAD", "PODS", "UNCHANGED", "DEFAULTED", "DENIED", "TEMPLATE", "SERVICEACCOUNT", "REQUESTED AS"];
/** Columns aligned right (the counts). */
const NUMERIC = new Set([1, 2, 3, 4]);

function table(rows: string[][], indent: string): string {
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((cells) => `${indent}${cells.map((c, i) => (NUMERIC.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")}`.trimEnd())
    .map((line) => `${line}\n`)
    .join("");
}

function counts(noun: string, c: Counts): string {
  return `${c.total} ${noun}${c.total === 1 ? "" : "s"} (${c.unchanged} unchanged, ${c.defaulted} defaulted, ${c.denied} denied)`;
}

function tallies(title: string, items: readonly Tally[]): string {
  if (items.length === 0) return "";
  const width = Math.max(...items.map((t) => String(t.count).length));
  return `  ${title}:\n${items.map((t) => `    ${String(t.count).padStart(width)}  ${t.what}\n`).join("")}`;
}

function namespaceBlock(ns: NamespaceSummary): string {
  if (!ns.intercepted) return `namespace ${ns.name} (not previewed: the webhook configuration excludes it by name, whatever its labels)\n`;
  const state = ns.optedIn ? "opted in" : `not opted in: no ${ENABLED_LABEL}=true label`;
  let text = `namespace ${ns.name} (${state})\n`;
  const exempt = ns.exempt.length ? `  not previewed, labelled ${EXEMPT_LABEL}=true (the webhook is not called): ${ns.exempt.join(", ")}\n` : "";
  if (ns.rows.length === 0) return `${text}${exempt || "  no Pods and no workloads\n"}`;
  text += `  ${counts("Pod", ns.pods)}; ${counts("workload template", ns.templates)}\n`;
  const rows = ns.rows.map((r) => [
    r.workload,
    String(r.pods.total),
    String(r.pods.unchanged),
    String(r.pods.defaulted),
    String(r.pods.denied),
    r.template ?? "-",
    r.serviceAccounts.join(","),
    r.requestedAs.join(","),
  ]);
  text += table([HEADER, ...rows], "  ");
  text += tallies("most often defaulted (Pods and templates)", ns.defaultedFields);
  text += tallies("top denial reasons (Pods and templates)", ns.denialReasons);
  return text + exempt;
}

function sum(list: readonly Counts[]): Counts {
  return list.reduce((a, c) => ({ total: a.total + c.total, unchanged: a.unchanged + c.unchanged, defaulted: a.defaulted + c.defaulted, denied: a.denied + c.denied }), {
    total: 0,
    unchanged: 0,
    defaulted: 0,
    denied: 0,
  });
}

export const IDENTITY_NOTE =
  "Each Pod and pod template is evaluated as a CREATE by the controller that makes its Pods (REQUESTED AS);\n" +
  "a bare Pod as an authenticated user with no other group, since the Pod does not record who created it.\n";

export function renderImpact(summaries: readonly NamespaceSummary[]): string {
  const blocks = summaries.map(namespaceBlock).join("\n");
  const total = `total: ${summaries.length} namespace${summaries.length === 1 ? "" : "s"}, ${counts("Pod", sum(summaries.map((s) => s.pods)))}, ${counts(
    "workload template",
    sum(summaries.map((s) => s.templates)),
  )}\n`;
  return `${IDENTITY_NOTE}\n${blocks}\n${total}`;
}
