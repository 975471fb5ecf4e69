// An HTTPS client for the drills: one request with any bytes and headers, trusting only the drill's CA,
// timed, never throwing (a transport failure is an answer with status 0 and the error).
import { Agent, request } from "node:https";

export interface DrillRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Expected uid in the AdmissionReview answer, if any. */
  uid?: string;
  /** Short label of the generator that made it (for the failure samples). */
  kind?: string;
}

export interface DrillAnswer {
  status: number;
  contentType?: string;
  body: string;
  ms: number;
  error?: string;
}

export interface Endpoint {
  host: string;
  port: number;
  ca: string;
}

export function keepAliveAgent(endpoint: Endpoint, sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ca: endpoint.ca });
}

export function send(endpoint: Endpoint, agent: Agent, r: DrillRequest, timeoutMs = 5000): Promise<DrillAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    const chunked = Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "transfer-encoding");
    const headers: Record<string, string | number> = { ...(body ? { "content-type": "application/json", ...(chunked ? {} : { "content-length": body.length }) } : {}), ...(r.headers ?? {}) };
    let done = false;
    const finish = (a: Omit<DrillAnswer, "ms">) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: performance.now() - started });
    };
    const req = request({ agent, host: endpoint.host, port: endpoint.port, path: r.path, method: r.method ?? "POST", headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => finish({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => finish({ status: 0, body: "", error: e.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => finish({ status: 0, body: "", error: e.message }));
    req.end(body);
  });
}

/** Sends every request, `concurrency` at a time, and hands each answer to `onAnswer` in completion order. */
export async function sendAll(endpoint: Endpoint, requests: Iterable<DrillRequest>, concurrency: number, onAnswer: (r: DrillRequest, a: DrillAnswer) => void): Promise<void> {
  const agent = keepAliveAgent(endpoint, concurrency);
  const it = requests[Symbol.iterator]();
  const worker = async () => {
    for (let next = it.next(); !next.done; next = it.next()) {
      onAnswer(next.value, await send(endpoint, agent, next.value));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

/** p-th percentile of unsorted numbers (nearest rank), NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
