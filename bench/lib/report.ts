// The results file's shape, the Markdown tables made from it, and the update of docs/benchmarks.md
// (only the part between the two markers is generated; the rest of the page is written by hand).
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface TargetResult {
  name: string;
  label: string;
  description: string;
  available: boolean;
  unavailableReason?: string;
  startupMs?: number;
  check?: { patchOps: number; fields: Record<string, boolean> };
  saturation?: { rps: number; p50: number; p99: number; serverCpuUs?: number; otherCpuPercent: number; roundsUsed: number; runs: unknown[] };
  fixedRate?: { rate: number; otherCpuPercent: number; roundsUsed: number; p50: number; p99: number; max: number; scheduledP50: number; scheduledP99: number; achievedRps: number; errors: number; non2xx: number; runs: unknown[] };
  autocannonRate?: { rate: number; p50: number; p97_5: number; p99: number; rps: number };
  /** VmHWM after the 3-container runs. */
  peakRssMb?: number;
  /** VmHWM at the end, after the 1/10/50-container runs too. */
  peakRssMbAfterGrowth?: number;
}

export interface GrowthRow {
  axis: "containers" | "namespaces" | "policies";
  target: string;
  case: string;
  rps?: number;
  p50?: number;
  p99?: number;
  serverCpuUs?: number;
  otherCpuPercent?: number;
  runs?: number[];
  peakRssMb?: number;
  note?: string;
}

export interface EngineCase {
  name: string;
  containers: number;
  policies: number;
  pipeline: boolean;
  podsPerSecond: number;
  microsPerPod: number;
  podsPerCpuSecond?: number;
  patchOps: number;
}

export interface Goal {
  goal: string;
  value: string;
  met: boolean | null;
}

export interface Results {
  generatedAt: string;
  command: string;
  complete: boolean;
  totalSeconds: number;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  settings: Record<string, number | string | boolean>;
  loadConditions: string;
  targets: TargetResult[];
  ratios: Record<string, number | null>;
  growth: GrowthRow[];
  engine?: { available: boolean; reason?: string; cases: EngineCase[] };
  goals: Goal[];
  skipped: string[];
  profile?: unknown;
}

const fmt = (x: number | undefined | null, digits = 0) =>
  x === undefined || x === null || Number.isNaN(x) ? "–" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (x: number | null | undefined) => (x === undefined || x === null ? "–" : `${x.toFixed(2)}×`);

export function markdown(r: Results): string {
  const out: string[] = [];
  const s = r.settings;
  out.push(`Generated ${r.generatedAt} by \`${r.command}\` in ${Math.round(r.totalSeconds)} s${r.complete ? "" : " (**incomplete run**)"}.`);
  out.push("");
  out.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, ${r.machine.os} (kernel ${r.machine.kernel}). ` +
    `Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  out.push("");
  out.push(`Load conditions: ${r.loadConditions}`);
  out.push("");
  out.push(`### Admission throughput and latency`);
  out.push("");
  out.push(`Saturation: autocannon, ${s.connections} connections, ${s.saturationSeconds} s × ${s.rounds} rounds alternating the targets (median round shown; latency is autocannon's at saturation). ` +
    `Fixed rate: ${s.rate} requests/s open loop over ${s.connections} keep-alive connections for ${s.rateSeconds} s × ${s.rateRounds} rounds (latency from dispatch to the end of the answer, measured by the client; median of the rounds' percentiles). ` +
    `Body: a ${s.bodyBytes}-byte AdmissionReview of a 3-container Pod CREATE, 64 distinct uids.`);
  out.push("");
  out.push("| target | req/s at saturation | server CPU per request (µs) | p50 / p99 at saturation (ms) | p50 at 500 req/s (ms) | p99 at 500 req/s (ms) | peak RSS (MB): 3-container runs / after 50-container runs | other processes' CPU during the rounds used |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const t of r.targets) {
    if (!t.available) {
      out.push(`| ${t.label} | unavailable: ${t.unavailableReason?.split("\n")[0].slice(0, 120) ?? ""} | | | | | | |`);
      continue;
    }
    out.push(`| ${t.label} | ${fmt(t.saturation?.rps)} | ${fmt(t.saturation?.serverCpuUs)} | ${fmt(t.saturation?.p50)} / ${fmt(t.saturation?.p99)} | ${fmt(t.fixedRate?.p50, 2)} | ${fmt(t.fixedRate?.p99, 2)} | ${fmt(t.peakRssMb, 0)} / ${fmt(t.peakRssMbAfterGrowth, 0)} | ${t.saturation?.otherCpuPercent ?? "–"}% / ${t.fixedRate?.otherCpuPercent ?? "–"}% |`);
  }
  out.push("");
  out.push("Ratios of kube-secure-defaults `/mutate` to the others: throughput at saturation, and the inverse ratio of server CPU per " +
    "request (what the throughput ratio would be if each server had a core to itself and the load generator another):");
  out.push("");
  out.push("| to | req/s ratio | CPU-per-request ratio |");
  out.push("|---|---:|---:|");
  out.push(`| raw Node HTTPS floor | ${ratio(r.ratios.toRaw)} | ${ratio(r.ratios.cpuToRaw)} |`);
  out.push(`| lean Express floor | ${ratio(r.ratios.toExpress)} | ${ratio(r.ratios.cpuToExpress)} |`);
  if (r.ratios.toExpressDefault !== undefined) out.push(`| default Express app | ${ratio(r.ratios.toExpressDefault)} | ${ratio(r.ratios.cpuToExpressDefault)} |`);
  out.push(`| Pepr ${r.versions.pepr === "unavailable" ? "(unavailable)" : r.versions.pepr ?? ""} | ${ratio(r.ratios.toPepr)} | ${ratio(r.ratios.cpuToPepr)} |`);
  out.push("");

  const autoc = r.targets.filter((t) => t.autocannonRate);
  if (autoc.length) {
    out.push(`autocannon's own \`overallRate: ${s.rate}\` (bursty pacing, see below), for reference: ` +
      autoc.map((t) => `${t.label} p50 ${fmt(t.autocannonRate?.p50)} / p97.5 ${fmt(t.autocannonRate?.p97_5)} / p99 ${fmt(t.autocannonRate?.p99)} ms`).join("; ") + ".");
    out.push("");
  }

  out.push("### Growth");
  out.push("");
  out.push(`Saturation, ${s.connections} connections, ${s.growthSeconds} s × ${s.growthRounds} rounds (median shown).`);
  out.push("");
  out.push("| axis | target | case | req/s | server CPU per request (µs) | p50 / p99 (ms) | peak RSS (MB) | other processes' CPU |");
  out.push("|---|---|---|---:|---:|---:|---:|---:|");
  for (const g of r.growth) {
    out.push(`| ${g.axis} | ${g.target} | ${g.case} | ${g.rps === undefined ? g.note ?? "–" : fmt(g.rps)} | ${fmt(g.serverCpuUs)} | ${fmt(g.p50)} / ${fmt(g.p99)} | ${fmt(g.peakRssMb)} | ${g.otherCpuPercent === undefined ? "–" : `${g.otherCpuPercent}%`} |`);
  }
  out.push("");
  if (r.engine) {
    out.push("### The engine alone (no HTTP)");
    out.push("");
    if (!r.engine.available) out.push(`Unavailable: ${r.engine.reason ?? ""}`);
    else {
      out.push("| case | Pods (calls) per second, wall clock | µs per Pod (call) | per CPU-second | patch operations |");
      out.push("|---|---:|---:|---:|---:|");
      for (const c of r.engine.cases) out.push(`| ${c.name} | ${fmt(c.podsPerSecond)} | ${fmt(c.microsPerPod, 2)} | ${fmt(c.podsPerCpuSecond)} | ${c.patchOps} |`);
    }
    out.push("");
  }
  out.push("### Goals");
  out.push("");
  out.push("| goal | measured | met |");
  out.push("|---|---|---|");
  for (const g of r.goals) out.push(`| ${g.goal} | ${g.value} | ${g.met === null ? "n/a" : g.met ? "yes" : "**no**"} |`);
  if (r.skipped.length) {
    out.push("");
    out.push(`Skipped in this run: ${r.skipped.join("; ")}.`);
  }
  return out.join("\n");
}

const BEGIN = "<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->";
const END = "<!-- bench:end -->";

export function updateDocs(file: string, generated: string): void {
  const block = `${BEGIN}\n${generated}\n${END}`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\nReproduce with \`npm run bench\`.\n\n${block}\n`);
    return;
  }
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  writeFileSync(file, a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`);
}
