// Runs the real CLI in a child process (through tsx, so no build is needed) and captures everything, for
// the few tests of the process itself (exit statuses, standard input); without blocking this one, so a
// stub server in the test's own process keeps answering.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./fixture-cases.js";
import type { CliRun } from "./run-cli.js";

export function spawnCli(args: string[], { stdin, env = {} }: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
