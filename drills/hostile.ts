// Drill 1: hostile input. Every request of hostile-requests.ts, a few at a time; every answer must be a
// 4xx with a Status message or a well-formed AdmissionReview (or preview answer), with no stack trace or
// file path, within 1 s, and the process must stay up.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { problemWith } from "./lib/answers.js";
import { keepAliveAgent, send } from "./lib/client.js";
import { log, type DrillSettings, type Webhook } from "./lib/context.js";
import type { DrillRow } from "./lib/table.js";
import { hostileRequests } from "./hostile-requests.js";

export function readManifests(dir: string | undefined): unknown[] {
  if (!dir) return [];
  const out: unknown[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      const entry = JSON.parse(readFileSync(join(dir, name), "utf8")) as { object?: unknown };
      if (entry.object) out.push(entry.object);
    } catch {
      /* a file that is not a corpus entry */
    }
  }
  return out;
}

/**
 * Drill 1. `restart` gives a new webhook on the same port and certificate when a request took the
 * process down: the crash is counted and the remaining requests still run.
 */
export async function hostileDrill(s: DrillSettings, first: Webhook, restart: () => Promise<Webhook>): Promise<DrillRow[]> {
  let w = first;
  const manifests = readManifests(s.corpus);
  log(`drill 1: hostile input, seed ${s.seed}, ${manifests.length} real manifests${s.corpus ? ` from ${s.corpus}` : " (none: the real-manifest mutations are skipped)"}`);
  const byKind = new Map<string, { sent: number; ok: number; failed: number; latencies: number[] }>();
  const problems = new Map<string, number>();
  let slowest = 0;
  let slowestKind = "";
  // Generated in full first, so that making the bombs does not stall the event loop while answers are timed.
  const requests = [...hostileRequests(s.seed, s.quick ? 0.1 : 1, manifests)];
  const crashes: string[] = [];
  let restarting: Promise<void> | undefined;
  const ensureAlive = async () => {
    if (w.process.alive()) return;
    restarting ??= (async () => {
      crashes.push(w.process.state().replace(/:.*/, "") + ` after request ${next} of ${requests.length}`);
      log(`drill 1: the webhook went down (${w.process.state().slice(0, 200)}); restarting it`);
      w = await restart();
      agent.destroy();
      agent = keepAliveAgent(w.endpoint, 4);
    })().finally(() => (restarting = undefined));
    await restarting;
  };
  let agent = keepAliveAgent(w.endpoint, 4);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++];
      await ensureAlive();
      let a = await send(w.endpoint, agent, r);
      // A request sent while the process was dying is sent again to the new one (its own crash is counted).
      if (a.error && !w.process.alive()) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await ensureAlive();
        a = { ...(await send(w.endpoint, agent, r)), error: a.error.startsWith("connect ECONNREFUSED") ? undefined : a.error };
        if (a.error === undefined && a.status === 0) a.error = "no answer";
      }
      record(r, a);
    }
  };
  const record = (r: (typeof requests)[number], a: Awaited<ReturnType<typeof send>>) => {
    const k = r.kind ?? "?";
    const row = byKind.get(k) ?? { sent: 0, ok: 0, failed: 0, latencies: [] };
    byKind.set(k, row);
    row.sent++;
    row.latencies.push(a.ms);
    if (a.ms > slowest) [slowest, slowestKind] = [a.ms, `${k} ${r.path}`];
    let problem = a.error ? `no answer: ${a.error}` : problemWith(a, r.uid, r.body);
    if (!problem && a.ms > 1000) problem = "answered after more than 1 s";
    if (problem) {
      row.failed++;
      const key = `${k} ${r.path}: ${problem.slice(0, 120)}`;
      problems.set(key, (problems.get(key) ?? 0) + 1);
    } else row.ok++;
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  agent.destroy();
  const rows: DrillRow[] = [];
  for (const [kind, r] of byKind) {
    const sorted = [...r.latencies].sort((x, y) => x - y);
    rows.push({ drill: `1 hostile: ${kind}`, sent: r.sent, wellFormed: r.ok, failed: r.failed, process: crashes.length ? `${w.process.state()} (after ${crashes.length} restart(s))` : w.process.state(), p99: sorted[Math.ceil(sorted.length * 0.99) - 1], max: sorted[sorted.length - 1] });
  }
  const total = rows.reduce((t, r) => ({ sent: t.sent + r.sent, ok: t.ok + r.wellFormed, failed: t.failed + r.failed }), { sent: 0, ok: 0, failed: 0 });
  const all = [...byKind.values()].flatMap((r) => r.latencies).sort((x, y) => x - y);
  rows.push({
    drill: "1 hostile: all",
    sent: total.sent,
    wellFormed: total.ok,
    failed: total.failed,
    process: crashes.length ? `${w.process.state()} (after ${crashes.length} restart(s))` : w.process.state(),
    p99: all[Math.ceil(all.length * 0.99) - 1],
    max: all[all.length - 1],
    notes: `seed ${s.seed}; ${crashes.length ? `the webhook went down ${crashes.length}× (${crashes.join("; ")}) and was restarted` : "no crash"}; slowest: ${slowestKind}${problems.size ? `; failures: ${[...problems].map(([p, n]) => `${n}× ${p}`).join("; ")}` : ""}`,
  });
  return rows;
}
