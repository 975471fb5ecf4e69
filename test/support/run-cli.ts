// Runs the real CLI in a child process (through tsx, so no build is needed) and captures everything.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./fixture-cases.js";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], stdin?: string): CliRun {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], {
    cwd: REPO_ROOT,
    input: stdin,
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
