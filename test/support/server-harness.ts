// Test support for the webhook server: a generated CA and serving certificate, the webhook started over
// real TLS, an HTTPS client that trusts only that CA (as the API server trusts its caBundle), captured
// JSON logs, AdmissionReview builders and an `eventually` that waits on a condition, not on the clock.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest, Agent } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { createLogger, type Logger } from "../../src/logging/logger.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { startWebhook, type RunningWebhook, type WebhookConfig } from "../../src/server/start.js";
import { createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "../../src/tls/certificates.js";

export const SERVER_FIXTURES = join(import.meta.dirname, "..", "fixtures", "server");

export function tempDir(prefix = "sd-server-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface TlsMaterial {
  ca: CertificateAndKey;
  caPath: string;
  certPath: string;
  keyPath: string;
}

/** A CA and a localhost / 127.0.0.1 serving certificate written to `dir`. */
export async function writeTlsMaterial(dir: string, ca?: CertificateAndKey): Promise<TlsMaterial> {
  const authority = ca ?? (await createCertificateAuthority({ commonName: "test CA", days: 2 }));
  const serving = await issueServingCertificate(authority, { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], days: 2 });
  const paths = { caPath: join(dir, "ca.crt"), certPath: join(dir, "tls.crt"), keyPath: join(dir, "tls.key") };
  writeFileSync(paths.caPath, authority.certPem);
  writeFileSync(paths.certPath, serving.certPem);
  writeFileSync(paths.keyPath, serving.keyPem);
  return { ca: authority, ...paths };
}

/** Captures the webhook's JSON log lines. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });

  find(message: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.message === message);
  }

  /**
   * The one line with this message for the request `uid`, without its timestamp and durationMs (which
   * vary: checked to be a string and a number), to compare whole.
   */
  requestLine(message: string, uid: string): Record<string, unknown> {
    const lines = this.find(message).filter((l) => l.uid === uid);
    assert.equal(lines.length, 1, `one "${message}" line for ${uid}`);
    const { timestamp, durationMs, ...line } = lines[0];
    assert.equal(typeof timestamp, "string");
    assert.equal(typeof durationMs, "number");
    return line;
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  peerCertificate?: PeerCertificate;
}

export interface RequestOptions {
  /** A fresh TLS connection for this request (sees the certificate served right now). */
  freshConnection?: boolean;
  headers?: Record<string, string>;
  /** Raw body (string or Buffer) instead of JSON. */
  raw?: string | Buffer;
  method?: string;
}

export class WebhookClient {
  readonly agent: Agent;
  constructor(
    readonly port: number,
    readonly caPem: string | string[],
  ) {
    this.agent = new Agent({ ca: caPem, keepAlive: true, maxSockets: 16 });
  }

  request(path: string, body?: unknown, opts: RequestOptions = {}): Promise<Reply> {
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          servername: "localhost",
          port: this.port,
          path,
          method: opts.method ?? (payload === undefined ? "GET" : "POST"),
          ca: this.caPem,
          agent: opts.freshConnection ? false : this.agent,
          headers: { ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers },
        },
        (res) => {
          const peerCertificate = (res.socket as TLSSocket).getPeerCertificate?.();
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, peerCertificate });
          });
        },
      );
      req.on("error", reject);
      if (payload !== undefined) req.end(payload);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface Harness {
  webhook: RunningWebhook;
  client: WebhookClient;
  logs: LogCapture;
  metrics: Metrics;
  logger: Logger;
  tls: TlsMaterial;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts the webhook on 127.0.0.1 with a serving certificate from `ca` (default: a fresh CA); `config`
 * overrides the defaults (e.g. `tls` files of the test's own). The client trusts only `ca`.
 */
export async function startHarness(config: Partial<WebhookConfig> & { policies: string[] }, ca?: CertificateAndKey): Promise<Harness> {
  const dir = tempDir();
  const tls = await writeTlsMaterial(dir, ca);
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", stream: logs.stream });
  const metrics = createMetrics({ defaultMetrics: false });
  const webhook = await startWebhook(
    {
      port: 0,
      host: "127.0.0.1",
      tls: { certPath: tls.certPath, keyPath: tls.keyPath },
      onError: "deny",
      watch: { debounceMs: 20, pollMs: 100 },
      shutdownTimeoutMs: 10_000,
      ...config,
    },
    logger,
    metrics,
  );
  const client = new WebhookClient(webhook.address.port, tls.ca.certPem);
  return {
    webhook,
    client,
    logs,
    metrics,
    logger,
    tls,
    dir,
    async close() {
      client.close();
      await webhook.stop();
      removeDir(dir);
    },
  };
}

/** Waits until `check` returns a truthy value (or stops throwing); fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ReviewInput {
  uid?: string;
  operation?: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  namespace?: string;
  object?: unknown;
  oldObject?: unknown;
  subResource?: string;
  kind?: { group: string; version: string; kind: string };
  resource?: { group: string; version: string; resource: string };
  dryRun?: boolean;
}

let uidCounter = 0;

/** An AdmissionReview v1 request as the API server sends it for a Pod (or `kind`/`resource` given). */
export function admissionReview(input: ReviewInput) {
  const object = input.object as { metadata?: { name?: string } } | undefined;
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: input.uid ?? `00000000-0000-4000-8000-${String(++uidCounter).padStart(12, "0")}`,
      kind: input.kind ?? { group: "", version: "v1", kind: "Pod" },
      resource: input.resource ?? { group: "", version: "v1", resource: "pods" },
      ...(input.subResource ? { subResource: input.subResource } : {}),
      requestKind: input.kind ?? { group: "", version: "v1", kind: "Pod" },
      requestResource: input.resource ?? { group: "", version: "v1", resource: "pods" },
      name: object?.metadata?.name ?? "",
      namespace: input.namespace ?? "default",
      operation: input.operation ?? "CREATE",
      userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:authenticated"] },
      object: input.object ?? null,
      oldObject: input.oldObject ?? null,
      dryRun: input.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: input.operation === "UPDATE" ? "UpdateOptions" : "CreateOptions" },
    },
  };
}

/** A Pod as it arrives at a mutating webhook (after v1 defaulting: securityContext {}). */
export function pod(name: string, namespace: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      containers: [{ name: "app", image: "registry.example/app:1.0" }],
      securityContext: {},
      ...spec,
    },
  };
}

/** Decodes the base64 JSON patch of an AdmissionResponse. */
export function decodePatch(response: { patch?: string; patchType?: string }) {
  if (!response.patch) return [];
  if (response.patchType !== "JSONPatch") throw new Error(`patchType is ${response.patchType}`);
  return JSON.parse(Buffer.from(response.patch, "base64").toString("utf8"));
}
