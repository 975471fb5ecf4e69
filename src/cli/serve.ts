// `secure-defaults serve`: options from flags and SECURE_DEFAULTS_* environment variables (flags win),
// then the webhook until SIGTERM/SIGINT. Exit status: 0 after a graceful stop, 1 when it cannot start,
// 2 for invalid options.
import { delimiter, relative } from "node:path";
import { parseArgs } from "node:util";
import { createLogger, isLogLevel, LOG_LEVELS, type Logger, type LogLevel } from "../logging/logger.js";
import { createMetrics } from "../metrics/metrics.js";
import { inCluster } from "../cluster/in-cluster.js";
import type { OnError } from "../server/app.js";
import { DEFAULT_MAX_CONNECTIONS } from "../server/https.js";
import { startWebhook, type WebhookConfig } from "../server/start.js";
import { processIo, type CliIo } from "./io.js";

export const USAGE = `Usage: secure-defaults serve --policies PATH [options]

Runs the admission webhook over HTTPS (TLS 1.2 or newer, AEAD suites only): POST /mutate,
POST /preview, GET /healthz, /readyz, /metrics.

Options (environment variable in brackets; a flag wins over its variable):
  --policies PATH        policy file or directory; repeatable      [SECURE_DEFAULTS_POLICIES,
                         comma- or "${delimiter}"-separated]
  --port N               HTTPS port (default 8443)                  [SECURE_DEFAULTS_PORT]
  --host ADDRESS         listen address (default: all interfaces)   [SECURE_DEFAULTS_HOST]
  --tls-cert FILE        serving certificate (PEM)                  [SECURE_DEFAULTS_TLS_CERT]
  --tls-key FILE         its private key (PEM)                      [SECURE_DEFAULTS_TLS_KEY]
                         Without both, a development CA and a localhost certificate are
                         created under .secure-defaults/ and reused.
  --default-policy NAME  policy for namespaces no policy is bound to [SECURE_DEFAULTS_DEFAULT_POLICY]
  --on-error deny|allow  answer when a request cannot be evaluated (default deny)
                                                                    [SECURE_DEFAULTS_ON_ERROR]
  --log-level LEVEL      ${LOG_LEVELS.join("|")} (default info)             [SECURE_DEFAULTS_LOG_LEVEL]
  --kubeconfig FILE      read namespace labels from this cluster    [SECURE_DEFAULTS_KUBECONFIG]
                         (in a Pod the service account is used automatically; without either,
                         the policy files alone decide)
  --network-policies on|off  keep the NetworkPolicies of the policies' networkDefault in opted-in
                         namespaces (default on; needs a cluster)  [SECURE_DEFAULTS_NETWORK_POLICIES]
  --shutdown-delay SEC   keep serving this long after SIGTERM before closing (default 0)
                                                                    [SECURE_DEFAULTS_SHUTDOWN_DELAY]
  --shutdown-timeout SEC longest wait for requests in flight on shutdown (default 20)
                                                                    [SECURE_DEFAULTS_SHUTDOWN_TIMEOUT]
  --preview on|off       POST /preview, which echoes the object back (default on)
                                                                    [SECURE_DEFAULTS_PREVIEW]
  --preview-port N       serve /preview on its own HTTPS port instead of --port
                                                                    [SECURE_DEFAULTS_PREVIEW_PORT]
  --preview-host ADDRESS listen address of the preview port (default: --host)
                                                                    [SECURE_DEFAULTS_PREVIEW_HOST]
  --max-connections N    open connections at most, per port (default ${DEFAULT_MAX_CONNECTIONS})
                                                                    [SECURE_DEFAULTS_MAX_CONNECTIONS]
  -h, --help             show this help
`;

/** Invalid options: the message is printed with a pointer to --help, exit status 2. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptionsError";
  }
}

export interface ServeOptions extends WebhookConfig {
  logLevel: LogLevel;
}

const FLAGS = {
  policies: { type: "string", multiple: true },
  port: { type: "string" },
  host: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "default-policy": { type: "string" },
  "on-error": { type: "string" },
  "log-level": { type: "string" },
  kubeconfig: { type: "string" },
  "network-policies": { type: "string" },
  "shutdown-delay": { type: "string" },
  "shutdown-timeout": { type: "string" },
  preview: { type: "string" },
  "preview-port": { type: "string" },
  "preview-host": { type: "string" },
  "max-connections": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const ENV_PREFIX = "SECURE_DEFAULTS_";

function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, "_");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new OptionsError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

function seconds(name: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > 3600) throw new OptionsError(`--${name} must be a number of seconds from 0 to 3600, got "${text}"`);
  return Math.round(Number(text) * 1000);
}

/** Resolves flags and environment into options, or throws OptionsError. `help` means: print usage. */
export function parseServeOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeOptions | "help" {
  const parse = () => {
    try {
      return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: true });
    } catch (error) {
      throw new OptionsError((error as Error).message);
    }
  };
  const { values, positionals } = parse();
  if (values.help) return "help";
  if (positionals.length) throw new OptionsError(`unexpected argument "${positionals[0]}"`);

  const pick = (flag: Exclude<keyof typeof FLAGS, "policies" | "help">): string | undefined => {
    const value = values[flag];
    if (value !== undefined) {
      if (value.trim() === "") throw new OptionsError(`--${flag} needs a value`);
      return value.trim();
    }
    return nonEmpty(env[envName(flag)]);
  };

  const policies = values.policies?.length
    ? values.policies
    : (env[envName("policies")] ?? "").split(new RegExp(`[,${delimiter}]`)).map((p) => p.trim()).filter(Boolean);
  if (policies.some((p) => p.trim() === "")) throw new OptionsError("--policies needs a path");
  if (policies.length === 0) throw new OptionsError(`no policies: pass --policies PATH (a file or a directory) or set ${envName("policies")}`);

  const port = integer("port", pick("port") ?? "8443", 0, 65535);
  const cert = pick("tls-cert");
  const key = pick("tls-key");
  if (Boolean(cert) !== Boolean(key)) {
    throw new OptionsError("--tls-cert and --tls-key go together: give both, or neither for development certificates");
  }
  const onError = pick("on-error") ?? "deny";
  if (onError !== "deny" && onError !== "allow") throw new OptionsError(`--on-error must be "deny" or "allow", got "${onError}"`);
  const logLevel = pick("log-level") ?? "info";
  if (!isLogLevel(logLevel)) throw new OptionsError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  const kubeconfig = pick("kubeconfig");
  const defaultPolicy = pick("default-policy");
  const preview = pick("preview") ?? "on";
  if (preview !== "on" && preview !== "off") throw new OptionsError(`--preview must be "on" or "off", got "${preview}"`);
  const previewPortText = pick("preview-port");
  const previewPort = previewPortText === undefined ? undefined : integer("preview-port", previewPortText, 0, 65535);
  if (previewPort !== undefined && preview === "off") throw new OptionsError("--preview-port serves the preview on its own port; it cannot go with --preview=off");
  if (previewPort !== undefined && previewPort !== 0 && previewPort === port) throw new OptionsError(`--preview-port must differ from --port (both are ${port})`);
  const previewHost = pick("preview-host");
  if (previewHost !== undefined && previewPort === undefined) throw new OptionsError("--preview-host needs --preview-port");
  const maxConnections = integer("max-connections", pick("max-connections") ?? String(DEFAULT_MAX_CONNECTIONS), 1, 1_000_000);
  const network = pick("network-policies") ?? "on";
  if (network !== "on" && network !== "off") throw new OptionsError(`--network-policies must be "on" or "off", got "${network}"`);
  const delay = pick("shutdown-delay");
  const timeout = pick("shutdown-timeout");

  return {
    policies,
    port,
    host: pick("host"),
    tls: cert && key ? { certPath: cert, keyPath: key } : undefined,
    defaultPolicy,
    onError: onError as OnError,
    logLevel,
    cluster: kubeconfig ? { kubeconfig } : inCluster(env) ? "in-cluster" : undefined,
    networkPolicies: network === "on",
    shutdownDelayMs: delay === undefined ? 0 : seconds("shutdown-delay", delay),
    shutdownTimeoutMs: timeout === undefined ? 20_000 : seconds("shutdown-timeout", timeout),
    preview,
    previewPort,
    previewHost,
    maxConnections,
  };
}

function guardProcess(logger: Logger, countError: () => void): void {
  // No request may take the process down: anything that escapes is logged and counted, not fatal.
  process.on("uncaughtException", (error) => {
    countError();
    logger.error("uncaught exception", { error: error.message, stack: error.stack });
  });
  process.on("unhandledRejection", (reason) => {
    countError();
    logger.error("unhandled rejection", { error: reason instanceof Error ? reason.message : String(reason) });
  });
}

/** Runs the webhook until SIGTERM or SIGINT. Its messages go to `io`; serving itself is the process's (signals, exit). */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let options: ServeOptions | "help";
  try {
    options = parseServeOptions(argv, io.env);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    io.stderr.write(`secure-defaults serve: ${error.message}\nRun "secure-defaults serve --help" for the options.\n`);
    return 2;
  }
  if (options === "help") {
    io.stdout.write(USAGE);
    return 0;
  }

  const logger = createLogger({ level: options.logLevel });
  const metrics = createMetrics();
  let webhook;
  try {
    webhook = await startWebhook(options, logger, metrics);
  } catch (error) {
    logger.error("cannot start", { error: (error as Error).message });
    io.stderr.write(`secure-defaults serve: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  guardProcess(logger, () => metrics.errors.inc({ type: "internal" }));

  const { address, devCaPath } = webhook;
  if (devCaPath) {
    const ca = relative(process.cwd(), devCaPath) || devCaPath;
    io.stderr.write(
      `secure-defaults: serving https://localhost:${address.port} with a development certificate.\n` +
        `  CA: ${devCaPath}\n  try: curl --cacert ${ca} https://localhost:${address.port}/healthz\n`,
    );
  }

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn("second signal: exiting now", { signal });
        process.exit(1);
      }
      logger.info("signal received", { signal });
      const finish = (code: number) => {
        resolve(code);
        // Whatever still holds the event loop after the stop must not keep the process alive.
        setTimeout(() => process.exit(code), 1000).unref();
      };
      webhook.stop().then(
        () => finish(0),
        (error: unknown) => {
          logger.error("shutdown failed", { error: (error as Error).message });
          finish(1);
        },
      );
      // A stop that hangs is cut short: the process exits within a bounded time whatever happens.
      setTimeout(() => process.exit(1), (options.shutdownDelayMs ?? 0) + (options.shutdownTimeoutMs ?? 20_000) + 5000).unref();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
