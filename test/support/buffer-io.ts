// A CliIo over strings, for running a command in the test's own process: what it writes is kept in
// `stdout.text` and `stderr.text`; standard input, the environment and whether stdout is a terminal are
// given.
import type { CliIo, OutputStream } from "../../src/cli/io.js";

export class BufferStream implements OutputStream {
  text = "";

  constructor(readonly isTTY = false) {}

  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

export interface BufferIoOptions {
  /** Standard input (default: empty, as a child process's closed stdin). */
  stdin?: string;
  /** The whole environment the command sees (default: none at all). */
  env?: NodeJS.ProcessEnv;
  /** Whether stdout (and stderr) are terminals (default: false). */
  isTTY?: boolean;
}

export interface BufferIo extends CliIo {
  stdout: BufferStream;
  stderr: BufferStream;
}

export function bufferIo({ stdin = "", env = {}, isTTY = false }: BufferIoOptions = {}): BufferIo {
  return { stdout: new BufferStream(isTTY), stderr: new BufferStream(isTTY), readStdin: () => stdin, env };
}
