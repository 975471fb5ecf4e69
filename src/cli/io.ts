// Where a CLI command reads and writes: the process's own streams when run as `secure-defaults`, buffers
// when a test calls a command's `run(argv, io)` in its own process.
import { readFileSync } from "node:fs";

export interface OutputStream {
  write(text: string): unknown;
  /** True on a terminal (colour is only used there). */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Standard input, read whole (FILE "-"). */
  readStdin(): string;
  /** The environment the command sees (KUBECONFIG, NO_COLOR, HOME ...). */
  env: NodeJS.ProcessEnv;
}

/** The real process: its stdout, stderr, stdin and environment. */
export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readFileSync(0, "utf8"),
  env: process.env,
};
