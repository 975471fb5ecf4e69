// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package/area, and the
// inclusive time of chosen functions, so the findings can be written down without a GUI.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idlePercent: number;
  /** Requests answered while the profile ran, when known: then every entry also has µs per request. */
  requests?: number;
  byArea: Entry[];
  topSelf: Entry[];
  inclusive: Entry[];
}
interface Entry {
  name: string;
  percent: number;
  usPerRequest?: number;
}

/** Which part of the stack a frame belongs to. */
export function area(url: string, fn: string): string {
  if (!url) {
    if (fn === "(idle)") return "idle";
    if (fn === "(garbage collector)") return "garbage collector";
    if (fn === "(program)") return "V8/native (program)";
    return `native: ${fn || "(anonymous)"}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm: ${nm[1]}`;
  if (url.startsWith("node:")) {
    const m = /^node:(?:internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url);
    return `node: ${m ? m[1] : url}`;
  }
  const src = /\/dist\/src\/([^/]+)/.exec(url);
  if (src) return `ours: src/${src[1]}`;
  return url.replace(/^file:\/\//, "");
}

export function summariseProfile(file: string, inclusiveNames: string[] = [], top = 25, requests?: number): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  for (const v of selfUs.values()) total += v;
  const key = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/(node_modules\/|dist\/)/, "$1")}:${n.callFrame.lineNumber + 1}`;

  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const a = area(n.callFrame.url, n.callFrame.functionName);
    if (a === "idle") idle += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    fns.set(key(n), (fns.get(key(n)) ?? 0) + us);
  }
  const busy = total - idle || 1;
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  const entry = (name: string, us: number): Entry => ({ name, percent: pct(us), ...(requests ? { usPerRequest: Math.round((us / requests) * 10) / 10 } : {}) });

  // Inclusive time of functions by name: a sample counts once if any ancestor frame has that name.
  const inclusive = inclusiveNames.map((name) => {
    let us = 0;
    for (const [id, t] of selfUs) {
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur);
        if (n && (n.callFrame.functionName === name || key(n).includes(name))) {
          us += t;
          break;
        }
      }
    }
    return entry(name, us);
  });

  return {
    file,
    totalMs: Math.round(total / 1000),
    idlePercent: Math.round((idle / (total || 1)) * 1000) / 10,
    requests,
    byArea: [...areas].filter(([a]) => a !== "idle").sort((x, y) => y[1] - x[1]).slice(0, top).map(([a, us]) => entry(a, us)),
    topSelf: [...fns].filter(([f]) => !f.startsWith("(idle)")).sort((x, y) => y[1] - x[1]).slice(0, top).map(([fn, us]) => entry(fn, us)),
    inclusive,
  };
}

export function profileText(s: ProfileSummary): string {
  const head = `${s.file}: ${s.totalMs} ms sampled, ${s.idlePercent}% idle; percentages are of busy time` +
    (s.requests ? `; ${s.requests} requests, µs per request of the main thread` : "");
  const line = (e: Entry) => `  ${e.percent.toFixed(1).padStart(5)}%${e.usPerRequest !== undefined ? `  ${e.usPerRequest.toFixed(1).padStart(7)} µs` : ""}  ${e.name}`;
  const lines = [head, "", "by area (self time):", ...s.byArea.map(line), "", "top functions (self time):", ...s.topSelf.map(line)];
  if (s.inclusive.length) lines.push("", "inclusive:", ...s.inclusive.map(line));
  return lines.join("\n");
}
