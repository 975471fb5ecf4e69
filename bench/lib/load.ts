// Load generators: autocannon for saturation (closed loop, N connections), and a paced open-loop client for
// latency at a fixed rate (wrk2 semantics: requests start on a fixed schedule whatever the server does).
import autocannon from "autocannon";
import { Agent, request } from "node:https";

export interface Target {
  name: string;
  url: string;
}

export interface SaturationRun {
  rps: number;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server process's CPU time per answered request (user + system), µs: independent of how busy the machine is. */
  serverCpuUs?: number;
  /** Share of the machine's CPU used by other processes during the run, %. */
  otherCpuPercent?: number;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function requestsFor(bodies: readonly string[]) {
  return bodies.map((body) => ({ method: "POST", body, headers: { "content-type": "application/json" } }));
}

/** Closed-loop saturation: `connections` keep-alive connections, each sending as fast as answers come. */
export async function saturate(target: Target, bodies: readonly string[], connections: number, seconds: number): Promise<SaturationRun> {
  const r = await autocannon({ url: target.url, connections, duration: seconds, requests: requestsFor(bodies), timeout: 10 });
  return {
    rps: round(r.requests.total / r.duration, 0),
    requests: r.requests.total,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

export interface RateRun {
  rate: number;
  sent: number;
  completed: number;
  errors: number;
  non2xx: number;
  achievedRps: number;
  /** Latency from the request's dispatch to the end of its response, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Latency from the request's scheduled start (wrk2's definition, includes the pacer's timer lag), ms. */
  scheduledP50: number;
  scheduledP99: number;
  otherCpuPercent?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Open-loop constant rate over `connections` keep-alive sockets: request i is due at start + i/rate.
 * A due request that finds every socket busy waits in the agent's queue, and that wait counts in its
 * latency (no coordinated omission).
 */
export async function paced(target: Target, bodies: readonly string[], ca: string, rate: number, connections: number, seconds: number): Promise<RateRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, ca });
  const url = new URL(target.url);
  const total = Math.round(rate * seconds);
  const fromDispatch = new Float64Array(total);
  const fromSchedule = new Float64Array(total);
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  const interval = 1000 / rate;
  const now = () => performance.now();
  const buffers = bodies.map((b) => Buffer.from(b));

  // Open the connections first, so the run does not time TLS handshakes.
  await Promise.all(
    Array.from({ length: connections }, () => new Promise<void>((resolve) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: "/readyz", method: "GET" }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", () => resolve());
      req.end();
    })),
  );

  const start = now();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    completed++;
    if (completed === total) finish();
  };

  const send = (i: number, scheduled: number) => {
    const body = buffers[i % buffers.length];
    const dispatched = now();
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": body.length } },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", () => {
          const t = now();
          fromDispatch[i] = t - dispatched;
          fromSchedule[i] = t - scheduled;
          if (res.statusCode !== 200) non2xx++;
          settle();
        });
      },
    );
    req.on("error", () => {
      errors++;
      fromDispatch[i] = fromSchedule[i] = NaN;
      settle();
    });
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      while (sent < total && start + sent * interval <= t) {
        send(sent, start + sent * interval);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - now()));
      else resolve();
    };
    tick();
  });
  const deadline = setTimeout(finish, 10_000);
  await done;
  clearTimeout(deadline);
  const elapsed = (now() - start) / 1000;
  agent.destroy();

  const ok = (a: Float64Array) => Float64Array.from(a.filter((x) => Number.isFinite(x) && x > 0)).sort();
  const d = ok(fromDispatch);
  const s = ok(fromSchedule);
  return {
    rate,
    sent,
    completed,
    errors,
    non2xx,
    achievedRps: round(completed / elapsed, 0),
    p50: round(percentile(d, 50), 3),
    p99: round(percentile(d, 99), 3),
    max: round(d[d.length - 1] ?? NaN, 3),
    scheduledP50: round(percentile(s, 50), 3),
    scheduledP99: round(percentile(s, 99), 3),
  };
}

export interface AutocannonRateRun {
  rate: number;
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * autocannon's own fixed rate (`overallRate`), kept for comparison. Its pacing is bursty: each connection
 * sends its per-second quota back to back and then waits for the next second, so these latencies are those
 * of short saturated bursts; autocannon also folds in its coordinated-omission correction.
 */
export async function autocannonRate(target: Target, bodies: readonly string[], rate: number, connections: number, seconds: number): Promise<AutocannonRateRun> {
  const r = await autocannon({ url: target.url, connections, duration: seconds, overallRate: rate, requests: requestsFor(bodies), timeout: 10 });
  return {
    rate,
    rps: round(r.requests.total / r.duration, 0),
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}
