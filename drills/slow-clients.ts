// Drill 2: slow and abusive clients while normal traffic runs at 200 requests/s: slowloris headers, slow
// bodies, many idle connections, connections dropped mid-body. Reports normal traffic's p99 before and
// during the abuse, and how long the server kept each kind of abusive connection open.
import { connect, type TLSSocket } from "node:tls";
import { admissionReview } from "../bench/lib/reviews.js";
import { log, sleep, type DrillSettings, type Webhook } from "./lib/context.js";
import type { DrillRow } from "./lib/table.js";
import { startTraffic, type TrafficStats } from "./lib/traffic.js";
import type { Endpoint } from "./lib/client.js";

interface Abuser {
  kind: string;
  opened: number;
  closedAt?: number;
  socket: TLSSocket;
  timer?: NodeJS.Timeout;
}

function open(e: Endpoint, kind: string, onOpen: (a: Abuser) => void, all: Abuser[]): void {
  const socket = connect({ host: e.host, port: e.port, ca: e.ca, servername: "localhost" });
  const a: Abuser = { kind, opened: performance.now(), socket };
  all.push(a);
  socket.on("secureConnect", () => onOpen(a));
  socket.on("data", () => undefined);
  socket.on("error", () => undefined);
  socket.on("close", () => {
    a.closedAt ??= performance.now();
    clearInterval(a.timer);
  });
}

function normalTraffic(w: Webhook, seconds: number): Promise<TrafficStats> {
  const bodies = Array.from({ length: 16 }, (_, i) => JSON.stringify(admissionReview("team-a", 3, i)));
  const t = startTraffic(w.endpoint, { rate: 200, connections: 8, next: (i) => ({ path: "/mutate?timeout=10s", body: bodies[i % bodies.length], kind: "normal" }) });
  return sleep(seconds * 1000).then(() => t.stop());
}

export async function slowClientsDrill(s: DrillSettings, w: Webhook): Promise<DrillRow[]> {
  const seconds = s.quick ? 5 : 20;
  log(`drill 2: slow and abusive clients, ${seconds} s baseline then ${seconds} s under abuse, normal traffic 200/s`);
  const baseline = await normalTraffic(w, seconds);

  const e = w.endpoint;
  const abusers: Abuser[] = [];
  const counts = { slowloris: s.quick ? 50 : 200, slowBody: s.quick ? 20 : 50, idle: s.quick ? 200 : 800, dropped: s.quick ? 100 : 400 };
  for (let k = 0; k < counts.slowloris; k++) {
    open(e, "slowloris headers", (a) => {
      a.socket.write("POST /mutate HTTP/1.1\r\nHost: localhost\r\n");
      a.timer = setInterval(() => a.socket.write(`X-Drill-${Math.floor(Math.random() * 1e6)}: a\r\n`), 1000);
    }, abusers);
  }
  for (let k = 0; k < counts.slowBody; k++) {
    open(e, "slow body", (a) => {
      a.socket.write("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
      a.timer = setInterval(() => a.socket.write('"a":1,'.repeat(2)), 1000);
    }, abusers);
  }
  for (let k = 0; k < counts.idle; k++) open(e, "idle connection", () => undefined, abusers);
  const during = normalTraffic(w, seconds);
  const dropEvery = (seconds * 1000) / counts.dropped;
  for (let k = 0; k < counts.dropped; k++) {
    open(e, "dropped mid-body", (a) => {
      a.socket.write("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n");
      a.socket.write(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"${"x".repeat(2000)}`);
      setTimeout(() => a.socket.destroy(), 20);
    }, abusers);
    await sleep(dropEvery);
  }
  const abused = await during;
  const end = performance.now();
  const summary = new Map<string, { n: number; closed: number; longest: number }>();
  for (const a of abusers) {
    const r = summary.get(a.kind) ?? { n: 0, closed: 0, longest: 0 };
    summary.set(a.kind, r);
    r.n++;
    if (a.closedAt !== undefined) r.closed++;
    r.longest = Math.max(r.longest, ((a.closedAt ?? end) - a.opened) / 1000);
  }
  for (const a of abusers) a.socket.destroy();
  const notes = [...summary].filter(([k]) => k !== "dropped mid-body").map(([k, r]) => `${k}: ${r.n} opened, ${r.closed} closed by the server (longest open ${r.longest.toFixed(1)} s)`);
  const ratio = abused.p99 / baseline.p99;
  return [
    { drill: "2 slow clients: baseline 200/s", sent: baseline.sent, wellFormed: baseline.wellFormed, failed: baseline.failed, process: w.process.state(), p99: baseline.p99, max: baseline.max, notes: baseline.samples.join("; ") },
    {
      drill: "2 slow clients: 200/s under abuse",
      sent: abused.sent,
      wellFormed: abused.wellFormed,
      failed: abused.failed,
      process: w.process.state(),
      p99: abused.p99,
      max: abused.max,
      notes: `p99 ${ratio.toFixed(2)}× baseline; ${counts.dropped} connections dropped mid-body; ${notes.join("; ")}${abused.samples.length ? `; ${abused.samples.join("; ")}` : ""}`,
    },
  ];
}
