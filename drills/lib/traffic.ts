// Normal traffic at a fixed rate while a drill does something else: open loop (request i is due at
// start + i/rate whatever the server does, as bench/lib/load.ts `paced`), over keep-alive connections,
// until stopped. Every answer is checked (well-formed, plus the drill's own check) and timed.
import { problemWith } from "./answers.js";
import { keepAliveAgent, percentile, send, type DrillAnswer, type DrillRequest, type Endpoint } from "./client.js";

export interface TrafficOptions {
  rate: number;
  connections: number;
  /** The i-th request. */
  next(i: number): DrillRequest;
  /** A drill-specific problem with an answer (e.g. a half-loaded policy set), checked after well-formedness. */
  check?(request: DrillRequest, answer: DrillAnswer, sentAt: number): string | undefined;
  /** Drop and reopen the connections every this many ms (new connections see a rotated certificate). */
  reconnectMs?: number;
}

export interface TrafficStats {
  sent: number;
  answered: number;
  wellFormed: number;
  failed: number;
  p99: number;
  max: number;
  /** p99 per minute of the run, ms. */
  p99PerMinute: number[];
  /** The first few failures, for the report. */
  samples: string[];
}

export interface Traffic {
  /** Stops sending, waits (bounded) for the answers in flight, and returns the figures. */
  stop(): Promise<TrafficStats>;
  readonly sent: number;
}

export function startTraffic(endpoint: Endpoint, opts: TrafficOptions): Traffic {
  let agent = keepAliveAgent(endpoint, opts.connections);
  const started = performance.now();
  const interval = 1000 / opts.rate;
  const latencies: number[] = [];
  const perMinute: number[][] = [];
  const samples: string[] = [];
  let sent = 0;
  let answered = 0;
  let wellFormed = 0;
  let failed = 0;
  let stopped = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const fail = (what: string) => {
    failed++;
    if (samples.length < 5) samples.push(what);
  };
  const fire = (i: number) => {
    const r = opts.next(i);
    const sentAt = performance.now();
    inFlight++;
    void send(endpoint, agent, r, 10_000).then((a) => {
      inFlight--;
      answered++;
      latencies.push(a.ms);
      const minute = Math.floor((sentAt - started) / 60_000);
      (perMinute[minute] ??= []).push(a.ms);
      const problem = a.error ? `transport: ${a.error}` : (problemWith(a, r.uid) ?? opts.check?.(r, a, sentAt));
      if (problem) fail(`${r.kind ?? r.path}: ${problem}`);
      else wellFormed++;
      if (inFlight === 0) drained?.();
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    while (!stopped && started + sent * interval <= now) fire(sent++);
    if (!stopped) timer = setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
  };
  tick();
  const reconnect = opts.reconnectMs
    ? setInterval(() => {
        const old = agent;
        agent = keepAliveAgent(endpoint, opts.connections);
        setTimeout(() => old.destroy(), 2000);
      }, opts.reconnectMs)
    : undefined;

  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(reconnect);
      if (inFlight > 0) await Promise.race([new Promise<void>((r) => (drained = r)), new Promise((r) => setTimeout(r, 12_000))]);
      agent.destroy();
      return {
        sent,
        answered,
        wellFormed,
        failed: failed + (sent - answered),
        p99: percentile(latencies, 99),
        max: latencies.reduce((m, x) => (Number.isNaN(m) || x > m ? x : m), NaN),
        p99PerMinute: perMinute.map((m) => percentile(m ?? [], 99)),
        samples,
      };
    },
  };
}
