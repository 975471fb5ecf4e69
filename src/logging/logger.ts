// Structured logs: winston, one JSON object per line. Callers log identifiers and counts, never whole
// objects or credentials; a last-line redaction drops fields whose names look like secrets.
import type { Writable } from "node:stream";
import winston from "winston";

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Logger = winston.Logger;

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

const SECRET_FIELD = /^(authorization|cookie|password|passphrase|token|bearer|privateKey|keyPem|caKeyPem)$/i;

const MESSAGE = Symbol.for("message");
const safeJson = winston.format.json();

/**
 * One pass per line: redact, timestamp, serialise. JSON.stringify is the fast case (log fields are plain
 * values); what it refuses (a cycle, a BigInt) goes through winston's safe JSON format instead.
 */
const jsonLine = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELD.test(key)) info[key] = "[redacted]";
  }
  info.timestamp = new Date().toISOString();
  try {
    (info as Record<symbol, unknown>)[MESSAGE] = JSON.stringify(info);
    return info;
  } catch {
    return safeJson.transform(info, safeJson.options);
  }
});

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default stdout. */
  stream?: Writable;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return winston.createLogger({
    level: opts.level ?? "info",
    levels: winston.config.npm.levels,
    format: jsonLine(),
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
    exitOnError: false,
  });
}
