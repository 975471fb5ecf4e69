#!/usr/bin/env node
// `secure-defaults <command>`: dispatches to one module per command. Each exports
// `run(argv): Promise<number>` and returns the exit status.

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  preview: () => import("./preview.js"),
  import: () => import("./import.js"),
  serve: () => import("./serve.js"),
  certs: () => import("./certs.js"),
};

const USAGE = `Usage: secure-defaults <command> [options]

Commands:
  preview   show what the webhook would do to workload manifests, offline, or to a cluster (--cluster)
  import    convert PodSecurityPolicies and their RBAC bindings into SecureDefaultsPolicies
  serve     run the admission webhook over HTTPS
  certs     write a CA, a serving certificate and a kustomize caBundle patch

Run "secure-defaults <command> --help" for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`secure-defaults: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`secure-defaults: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
