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

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELD.test(key)) info[key] = "[redacted]";
  }
  return info;
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
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
    exitOnError: false,
  });
}
