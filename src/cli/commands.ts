// `secure-defaults <command>`: dispatches to one module per command. Each exports
// `run(argv, io): Promise<number>` and returns the exit status. serve's messages and options go through
// io too; the webhook it runs logs to the process's stdout and stops on the process's signals.
import type { CliIo } from "./io.js";

type Command = { run(argv: string[], io: CliIo): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  preview: () => import("./preview.js"),
  import: () => import("./import.js"),
  serve: () => import("./serve.js"),
  certs: () => import("./certs.js"),
};

export const USAGE = `Usage: secure-defaults <command> [options]

Commands:
  preview   show what the webhook would do to workload manifests, offline, or to a cluster (--cluster)
  import    convert PodSecurityPolicies and their RBAC bindings into SecureDefaultsPolicies
  serve     run the admission webhook over HTTPS
  certs     write a CA, a serving certificate and a kustomize caBundle patch

Run "secure-defaults <command> --help" for a command's options.
`;

/** Runs `secure-defaults ...argv` with `io`; resolves to the exit status (2 for an unexpected error, reported on io.stderr). */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    io.stderr.write(`secure-defaults: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load()).run(rest, io);
  } catch (error) {
    io.stderr.write(`secure-defaults: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
