// A mistake in how a command was called (a missing or conflicting flag, a bad value): the command says
// what is wrong, shows its usage and exits 2.
import type { CliIo } from "./io.js";

export class UsageError extends Error {
  override name = "UsageError";
}

/** A UsageError, or node:util parseArgs refusing an unknown flag or a flag without its value. */
export function isUsageError(error: unknown): error is Error {
  if (error instanceof UsageError) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** `secure-defaults COMMAND: MESSAGE`, a blank line and the usage text, on stderr. */
export function writeUsageError(io: CliIo, command: string, error: Error, usage: string): void {
  io.stderr.write(`secure-defaults ${command}: ${error.message}\n\n${usage}`);
}
