// Runs a CLI command in this process (commands.ts's runCommand, as `secure-defaults ...args` would)
// over string buffers, and captures everything: a child process per run would cost a second each.
// test/support/spawn-cli.ts runs the real binary instead.
import { runCommand } from "../../src/cli/commands.js";
import { bufferIo, type BufferIoOptions } from "./buffer-io.js";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], options: BufferIoOptions = {}): Promise<CliRun> {
  const io = bufferIo(options);
  const status = await runCommand(args, io);
  return { status, stdout: io.stdout.text, stderr: io.stderr.text };
}
