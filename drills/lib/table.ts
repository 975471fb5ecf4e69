// The drills' report: one row per drill (or per phase of a drill), printed as a Markdown table.

export interface DrillRow {
  drill: string;
  sent: number;
  wellFormed: number;
  failed: number;
  /** The server process afterwards: "alive, RSS 80 MB", "exited 0 after SIGTERM", ... */
  process: string;
  p99?: number;
  max?: number;
  /** What else the drill saw (known defects, timings, ...). */
  notes?: string;
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "-" : x < 10 ? x.toFixed(2) : x.toFixed(0));

export function markdownTable(rows: readonly DrillRow[]): string {
  const lines = [
    "| drill | sent | answered well-formed | failed | process | p99 ms | max ms | notes |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |",
  ];
  for (const r of rows) lines.push(`| ${r.drill} | ${r.sent} | ${r.wellFormed} | ${r.failed} | ${r.process} | ${ms(r.p99)} | ${ms(r.max)} | ${(r.notes ?? "").replace(/\|/g, "\\|")} |`);
  return lines.join("\n");
}

export function plainTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}
