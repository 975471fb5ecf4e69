// Pepr 1.1.4 as a local comparison target (shared/env.md §3). Installed at bench time, never a dependency of
// the project, into a work directory OUTSIDE the repository (default: $TMPDIR/kube-secure-defaults-bench/
// pepr-1.1.4; BENCH_PEPR_DIR overrides it): a Pepr module inside the tree would be compiled by this project's
// tsc (tsconfig includes bench/**/*.ts) and linted by `eslint .`, whose config lookup would also pick up the
// eslint.config.mjs that `pepr init` writes, and break `npm test`. The built module is reused by later runs
// while the templates and the pinned version are unchanged.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log, runCommand } from "./proc.js";

export const PEPR_VERSION = "1.1.4";
const UUID = "harden-0001";

export function peprWorkDir(): string {
  return process.env.BENCH_PEPR_DIR ?? join(tmpdir(), "kube-secure-defaults-bench", `pepr-${PEPR_VERSION}`);
}

export interface PeprBuild {
  dir: string;
  entry: string;
  version: string;
  reused: boolean;
  seconds: number;
}

function templateHash(templateDir: string): string {
  const h = createHash("sha256").update(PEPR_VERSION);
  for (const f of ["pepr.ts.tmpl", "capabilities/harden.ts.tmpl"]) h.update(readFileSync(join(templateDir, f)));
  return h.digest("hex").slice(0, 16);
}

/** Installs, scaffolds and builds the Pepr module; throws with npm's output when anything fails. */
export async function preparePepr(root: string, templateDir: string): Promise<PeprBuild> {
  const t0 = Date.now();
  const dir = join(root, "harden");
  const entry = join(dir, "dist", `pepr-${UUID}.js`);
  const stampFile = join(root, "stamp");
  const stamp = templateHash(templateDir);
  const versionOf = () => JSON.parse(readFileSync(join(dir, "node_modules", "pepr", "package.json"), "utf8")).version as string;
  if (existsSync(entry) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) {
    return { dir, entry, version: versionOf(), reused: true, seconds: 0 };
  }
  // Only ever delete a directory this code made (marked by its package.json), never a path given by mistake.
  if (existsSync(root) && readdirSync(root).length > 0) {
    const ours = existsSync(join(root, "package.json")) && JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name === "pepr-bench-cli";
    if (!ours) throw new Error(`${root} exists and was not made by the benchmark; remove it or set BENCH_PEPR_DIR elsewhere`);
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const env = { ...process.env, npm_config_loglevel: "error", npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" };
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "pepr-bench-cli", private: true }, null, 2));
  log(`pepr: npm install pepr@${PEPR_VERSION} (first run only; about 40 s in all)`);
  await runCommand("npm", ["install", "--no-save", `pepr@${PEPR_VERSION}`], { cwd: root, env, timeoutMs: 150_000 });
  log("pepr: pepr init");
  await runCommand(join(root, "node_modules", ".bin", "pepr"),
    ["init", "--name", "harden", "--description", "Restricted secure defaults", "--error-behavior", "reject", "--uuid", UUID, "--yes", "--skip-post-init"],
    { cwd: root, env, timeoutMs: 60_000 });
  for (const f of readdirSync(join(dir, "capabilities"))) rmSync(join(dir, "capabilities", f));
  cpSync(join(templateDir, "pepr.ts.tmpl"), join(dir, "pepr.ts"));
  cpSync(join(templateDir, "capabilities", "harden.ts.tmpl"), join(dir, "capabilities", "harden.ts"));
  const pinned = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies?.pepr;
  if (pinned !== PEPR_VERSION) throw new Error(`pepr init pinned pepr ${pinned}, expected ${PEPR_VERSION}`);
  log("pepr: npm install in the module");
  await runCommand("npm", ["install"], { cwd: dir, env, timeoutMs: 150_000 });
  log("pepr: pepr build");
  await runCommand(join(dir, "node_modules", ".bin", "pepr"), ["build"], { cwd: dir, env, timeoutMs: 120_000 });
  if (!existsSync(entry)) throw new Error(`pepr build did not produce ${entry}`);
  const version = versionOf();
  if (version !== PEPR_VERSION) throw new Error(`installed pepr is ${version}, expected ${PEPR_VERSION}`);
  writeFileSync(stampFile, stamp);
  return { dir, entry, version, reused: false, seconds: (Date.now() - t0) / 1000 };
}

/** The kubeconfig pointing Pepr at the stub API server. */
export function writeKubeconfig(file: string, apiPort: number): void {
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true}}]
users: [{name: fake, user: {token: fake}}]
contexts: [{name: fake, context: {cluster: fake, user: fake}}]
current-context: fake
`,
  );
}
