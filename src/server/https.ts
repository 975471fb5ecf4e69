// The HTTPS server: TLS 1.2 or newer with AEAD suites only, timeouts and a connection cap that fit an
// admission webhook, a serving certificate that is swapped in place when its files change
// (setSecureContext: new connections get the new certificate, open ones finish on the old), and a graceful
// stop that lets requests in flight finish within a bound.
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { answerClientError } from "./client-error.js";
import { watchFiles, type FileWatch } from "./file-watch.js";

export const MIN_TLS_VERSION = "TLSv1.2";

/**
 * TLS 1.2 suites: ECDHE key exchange with an AEAD cipher only (no CBC, no SHA-1 MAC, no RSA key exchange),
 * which every client of a webhook offers (the API server's Go client, kubectl, curl). TLS 1.3 suites are
 * Node's defaults, all AEAD.
 */
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
] as const;
export const TLS13_CIPHERS = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"] as const;
/** The `ciphers` option: Node takes the TLS 1.3 and the TLS 1.2 suites in one list. */
export const CIPHERS = [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(":");

/**
 * Connection timeouts (ms). The API server gives up on a webhook call after its timeoutSeconds (at most
 * 30 s), so nothing a real caller sends takes longer: a TLS handshake or the request headers get 10 s, a
 * whole request 30 s. An idle keep-alive connection is kept 95 s, a little longer than the API server's
 * own 90 s idle timeout, so that the API server closes it first (a server closing first can race with a
 * request being sent on it: a failed call).
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 95_000;
/**
 * How often Node checks the headers and request timeouts of open connections. Its default, 30 s, lets a
 * slowloris client hold a connection for up to 40 s despite the 10 s headers timeout (found by the drills).
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/** Default cap on open connections; above it new connections are closed at once (--max-connections). */
export const DEFAULT_MAX_CONNECTIONS = 1000;

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

export interface WebhookServerOptions {
  handler: RequestListener;
  tls: TlsFiles;
  port: number;
  /** Listen address; default all interfaces. */
  host?: string;
  /** Open connections at most; default DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  logger: Logger;
  metrics: Metrics;
  /** Certificate file watching: debounce and fallback interval (ms). */
  debounceMs?: number;
  pollMs?: number;
}

export interface StopOptions {
  /** Keep accepting requests this long after readiness turned false (endpoints need time to update). */
  delayMs?: number;
  /** Give requests in flight at most this long, then close what is left. */
  timeoutMs?: number;
}

interface LoadedCertificate {
  options: SecureContextOptions;
  notAfter: Date;
  fingerprint: string;
}

/** Reads and checks a certificate and key pair; throws with a clear message when they are unusable. */
export function readCertificate(files: TlsFiles): LoadedCertificate {
  const cert = readFileSync(files.certPath, "utf8");
  const key = readFileSync(files.keyPath, "utf8");
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKeyOrThrow(key))) {
    throw new Error(`${files.keyPath} is not the private key of ${files.certPath}`);
  }
  const options: SecureContextOptions = { cert, key, minVersion: MIN_TLS_VERSION, ciphers: CIPHERS, honorCipherOrder: true };
  createSecureContext(options); // rejects what OpenSSL would reject
  return { options, notAfter: new Date(x509.validTo), fingerprint: x509.fingerprint256 };
}

/** A hash of the certificate and key files' content, to notice a change. */
function tlsFilesFingerprint(files: TlsFiles): string {
  const hash = createHash("sha256");
  for (const file of [files.certPath, files.keyPath]) {
    try {
      hash.update(readFileSync(file));
    } catch (error) {
      hash.update(`missing:${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

function createPrivateKeyOrThrow(pem: string) {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new Error(`the private key cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

export class WebhookServer {
  readonly #opts: WebhookServerOptions;
  readonly #server: Server;
  #certificate: LoadedCertificate;
  /** Fingerprint of the files as they were just before the certificate was read. */
  readonly #initialFiles: string;
  #watch: FileWatch | undefined;
  #stopping = false;
  #draining = false;
  #inFlight = 0;
  readonly #idle: (() => void)[] = [];
  readonly #sockets = new Set<Socket>();

  /** Reads the certificate first: throws when it is unusable. */
  constructor(opts: WebhookServerOptions) {
    this.#opts = { ...opts, tls: { certPath: resolve(opts.tls.certPath), keyPath: resolve(opts.tls.keyPath) } };
    this.#initialFiles = tlsFilesFingerprint(this.#opts.tls);
    this.#certificate = readCertificate(this.#opts.tls);
    this.#noteCertificate();
    this.#server = createServer({ ...this.#certificate.options, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, (req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.#server.headersTimeout = HEADERS_TIMEOUT_MS;
    this.#server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.#server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#server.on("drop", () => {
      this.#opts.metrics.errors.inc({ type: "connection_limit" });
      this.#warnDropped();
    });
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    this.#server.on("clientError", answerClientError);
    this.#server.on("tlsClientError", (error) => this.#opts.logger.debug("TLS handshake failed", { error: error.message }));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight += 1;
    this.#opts.metrics.inFlight.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.#inFlight -= 1;
      this.#opts.metrics.inFlight.dec();
      if (this.#stopping) this.#server.closeIdleConnections();
      if (this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
    };
    res.once("close", finish);
    res.once("finish", finish);
    // While stopping, every answer closes its connection, so clients move to another replica.
    if (this.#draining) res.setHeader("Connection", "close");
    this.#opts.handler(req, res);
  }

  #lastDropWarning = 0;

  /** A connection over the cap was closed: warn, at most once a minute. */
  #warnDropped(): void {
    const now = Date.now();
    if (now - this.#lastDropWarning < 60_000) return;
    this.#lastDropWarning = now;
    this.#opts.logger.warn("connection limit reached: new connections are closed", { maxConnections: this.#server.maxConnections });
  }

  #noteCertificate(): void {
    const { notAfter } = this.#certificate;
    this.#opts.metrics.certificateExpiry.set(Math.floor(notAfter.getTime() / 1000));
    if (notAfter.getTime() < Date.now()) {
      this.#opts.logger.warn("the serving certificate has expired; the API server will refuse it", { notAfter: notAfter.toISOString() });
    }
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Requests being answered right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get certificateFingerprint(): string {
    return this.#certificate.fingerprint;
  }

  async listen(): Promise<AddressInfo> {
    const { port, host } = this.#opts;
    await new Promise<void>((ok, fail) => {
      this.#server.once("error", fail);
      this.#server.listen(port, host, () => {
        this.#server.off("error", fail);
        ok();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** Reads the certificate files again and serves the new pair; on failure keeps the current one. */
  reloadCertificate(): boolean {
    const { logger, metrics, tls } = this.#opts;
    try {
      const next = readCertificate(tls);
      if (next.fingerprint === this.#certificate.fingerprint) return true;
      this.#server.setSecureContext(next.options);
      this.#certificate = next;
      this.#noteCertificate();
      metrics.certificateReloads.inc({ result: "success" });
      logger.info("serving certificate reloaded", { fingerprint: next.fingerprint, notAfter: next.notAfter.toISOString() });
      return true;
    } catch (error) {
      metrics.certificateReloads.inc({ result: "failure" });
      logger.error("serving certificate reload refused; the previous certificate keeps serving", { error: (error as Error).message });
      return false;
    }
  }

  /** Starts reloading the certificate when its files change. */
  watchCertificate(): void {
    if (this.#watch) return;
    const { tls, debounceMs, pollMs, logger } = this.#opts;
    this.#watch = watchFiles({
      directories: [dirname(tls.certPath), dirname(tls.keyPath)],
      fingerprint: () => tlsFilesFingerprint(tls),
      initial: this.#initialFiles,
      onChange: () => this.reloadCertificate(),
      debounceMs,
      pollMs,
      onWatchError: (directory, error) =>
        logger.warn("cannot watch certificate directory; relying on the periodic check", { directory, error: error.message }),
    });
  }

  /** Checks the certificate files for a change now. */
  checkCertificateNow(): void {
    this.#watch?.check();
  }

  /**
   * Graceful stop: (readiness is the caller's, it should turn false first), wait `delayMs`, stop accepting
   * connections, let requests in flight finish (answers carry `Connection: close`), and after `timeoutMs`
   * close whatever is left. Resolves when the server is closed.
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.#watch?.close();
    this.#watch = undefined;
    this.#draining = true;
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    this.#stopping = true;
    const closed = new Promise<void>((ok) => this.#server.close(() => ok()));
    this.#server.closeIdleConnections();
    const drained = this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((ok) => this.#idle.push(ok));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((ok) => {
      timer = setTimeout(() => ok("timeout"), opts.timeoutMs ?? 20_000);
    });
    const outcome = await Promise.race([drained.then(() => "drained" as const), deadline]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.#opts.logger.warn("shutdown timeout: closing connections with requests still in flight", { inFlight: this.#inFlight });
      for (const socket of this.#sockets) socket.destroy();
    }
    // Nothing is in flight now. Connections that answered during the drain close themselves (their answers
    // carried Connection: close); one that never sent a request is given a moment, then closed.
    this.#server.closeIdleConnections();
    const grace = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, 1000);
    await closed;
    clearTimeout(grace);
  }
}
