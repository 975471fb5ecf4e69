// `npm run bench`: kube-secure-defaults' /mutate against the raw Node HTTPS floor, the Express floor and
// Pepr 1.1.4, on loopback, plus growth runs and the engine alone. Progress goes to stderr, the final
// tables to stdout, the numbers to bench/results.json and the tables into docs/benchmarks.md.
//
// Options (after `npm run bench --`):
//   --quick        1-second runs, one round: for working on the harness, not for numbers
//   --no-pepr      leave Pepr out
//   --no-docs      do not touch docs/benchmarks.md and bench/results.json (results go to bench/work)
//   --wait-idle[=SECONDS]  first wait (default at most 600 s) until other processes leave the machine
//                  mostly idle; the time budget starts after the wait
//   --profile[=ours|raw|express|express-default]  instead of the benchmark: profile one server under saturation
//                  (node --cpu-prof; summary in bench/work/prof/TARGET/summary.txt)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import jsonpatch from "fast-json-patch";
import { parseAllDocuments } from "yaml";
import { makeCertificates, type BenchCertificates } from "./lib/certs.js";
import { autocannonRate, paced, saturate, type SaturationRun, type Target } from "./lib/load.js";
import { peprWorkDir, preparePepr, writeKubeconfig, PEPR_VERSION } from "./lib/pepr.js";
import { generatePolicySets, type PolicySet } from "./lib/policies.js";
import { cpuMs, elapsedSeconds, freePort, httpsRequest, installCleanup, log, peakRssMb, runCommand, startChild, stopChild, waitReady, type Child } from "./lib/proc.js";
import { profileText, summariseProfile } from "./lib/profile.js";
import { markdown, updateDocs, type EngineCase, type Goal, type GrowthRow, type Results, type TargetResult } from "./lib/report.js";
import { bodies, namespaceName } from "./lib/reviews.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = join(ROOT, "bench", "work");
const LOGS = join(WORK, "logs");
const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const NODE = process.execPath;
const RESTRICTED = resolve(ROOT, process.env.BENCH_RESTRICTED ?? "policies/restricted.yaml");

const S = {
  connections: 10,
  saturationSeconds: QUICK ? 1 : 3,
  rounds: QUICK ? 1 : 4,
  warmupSeconds: QUICK ? 1 : 2,
  rate: 500,
  rateSeconds: QUICK ? 1 : 3,
  rateRounds: QUICK ? 1 : 3,
  autocannonRateSeconds: QUICK ? 1 : 2,
  growthSeconds: QUICK ? 1 : 3,
  growthRounds: QUICK ? 1 : 2,
  engineSecondsPerCase: QUICK ? 0.5 : 1.2,
  /** Wall-clock budget of this process; optional phases that would not fit are skipped (and listed). */
  budgetSeconds: Number(process.env.BENCH_BUDGET_SECONDS ?? 280),
};

// ------------------------------------------------------------------------------------------------
// Targets

interface Server extends Target {
  label: string;
  description: string;
  healthUrl: string;
  children: Child[];
  /** The process whose VmHWM is the target's peak RSS. */
  main?: Child;
  result: TargetResult;
}

function newServer(name: string, label: string, description: string): Server {
  return { name, label, description, url: "", healthUrl: "", children: [], result: { name, label, description, available: false } };
}

async function startNodeServer(s: Server, script: string[], port: number, path: string, health: string, certs: BenchCertificates, env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []): Promise<void> {
  const child = startChild(s.name, NODE, [...nodeFlags, ...script], join(LOGS, `${s.name}.log`), { cwd: ROOT, env: { ...process.env, NODE_ENV: "production", ...env } });
  s.children.push(child);
  s.main = child;
  s.url = `https://127.0.0.1:${port}${path}`;
  s.healthUrl = `https://127.0.0.1:${port}${health}`;
  s.result.startupMs = await waitReady(child, async () => (await httpsRequest(s.healthUrl, certs.ca)).status === 200, 20_000);
}

/**
 * NODE_OPTIONS of the webhook's container in manifests/base/deployment.yaml (e.g. --max-old-space-size=160),
 * so our server runs with the heap limit it has in production; "" when the manifest sets none.
 */
function deploymentNodeOptions(): string {
  try {
    const text = readFileSync(join(ROOT, "manifests", "base", "deployment.yaml"), "utf8");
    for (const doc of parseAllDocuments(text)) {
      const d = doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } };
      if (d?.kind !== "Deployment") continue;
      for (const c of d.spec?.template?.spec?.containers ?? []) {
        const v = c.env?.find((e) => e.name === "NODE_OPTIONS")?.value;
        if (v) return v;
      }
    }
  } catch {
    /* no manifest: no options */
  }
  return "";
}
const OURS_NODE_OPTIONS = deploymentNodeOptions();
const oursEnv = (): NodeJS.ProcessEnv => (OURS_NODE_OPTIONS ? { NODE_OPTIONS: OURS_NODE_OPTIONS } : {});

function ourServeArgs(policies: string, port: number, certs: BenchCertificates): string[] {
  return [join(ROOT, "dist", "src", "cli", "main.js"), "serve", "--policies", policies, "--host", "127.0.0.1", "--port", String(port), "--tls-cert", certs.certFile, "--tls-key", certs.keyFile, "--log-level", "info"];
}

/** What the decoded patch does to the Pod: which of the restricted defaults every container ends up with. */
type Pod = { spec: { securityContext?: Record<string, unknown>; containers: { securityContext?: Record<string, unknown> }[]; initContainers?: { securityContext?: Record<string, unknown> }[] } };
function hardening(pod: Pod): Record<string, boolean> {
  const podSc = (pod.spec.securityContext ?? {}) as { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  const cs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => (c.securityContext ?? {}) as {
    capabilities?: { drop?: string[] }; runAsNonRoot?: boolean; runAsUser?: number; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; seccompProfile?: { type?: string };
  });
  return {
    dropAll: cs.every((c) => c.capabilities?.drop?.includes("ALL") ?? false),
    runAsNonRoot: cs.every((c) => (c.runAsNonRoot ?? podSc.runAsNonRoot) === true || (c.runAsUser ?? podSc.runAsUser ?? 0) > 0),
    readOnlyRootFilesystem: cs.every((c) => c.readOnlyRootFilesystem === true),
    allowPrivilegeEscalationFalse: cs.every((c) => c.allowPrivilegeEscalation === false),
    seccompRuntimeDefault: cs.every((c) => (c.seccompProfile?.type ?? podSc.seccompProfile?.type) === "RuntimeDefault"),
  };
}

/** One request through the target: the answer must be 200, carry our uid and allow; a patch must apply. */
async function check(s: Server, body: string, ca: string): Promise<{ patchOps: number; fields: Record<string, boolean> }> {
  const review = JSON.parse(body) as { request: { uid: string; object: Pod } };
  const answer = await httpsRequest(s.url, ca, "POST", body, 5000);
  if (answer.status !== 200) throw new Error(`${s.name}: POST answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const response = (JSON.parse(answer.body) as { response?: { uid?: string; allowed?: boolean; patch?: string; status?: unknown } }).response;
  if (response?.uid !== review.request.uid) throw new Error(`${s.name}: answer uid ${response?.uid} is not the request's ${review.request.uid}`);
  if (response.allowed !== true) throw new Error(`${s.name}: the Pod was not allowed: ${JSON.stringify(response.status ?? response).slice(0, 300)}`);
  const patch = response.patch ? (JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as jsonpatch.Operation[]) : [];
  const pod = jsonpatch.applyPatch(structuredClone(review.request.object), patch, true, false).newDocument;
  return { patchOps: patch.length, fields: hardening(pod) };
}

// ------------------------------------------------------------------------------------------------
// Measurement helpers

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const skipped: string[] = [];
/**
 * When the budget started: after an optional wait for a quiet machine (--wait-idle); moved on by the time
 * a first run spends installing Pepr (setup, not measurement: later runs reuse the install).
 */
let budgetOrigin = 0;
function fits(phase: string, seconds: number): boolean {
  if (elapsedSeconds() - budgetOrigin + seconds <= S.budgetSeconds) return true;
  skipped.push(`${phase} (would not fit the ${S.budgetSeconds}-s budget)`);
  log(`skipping ${phase}: would not fit the budget`);
  return false;
}
function invalid(run: { errors: number; non2xx: number }): string {
  return run.errors || run.non2xx ? ` (INVALID: ${run.errors} errors, ${run.non2xx} non-2xx)` : "";
}

/**
 * Runs `fn` and measures, from /proc, the server's CPU time and the share of the machine's CPU that went to
 * processes other than the server and this runner (other engineers' builds and tests on a shared machine).
 */
async function accounted<T>(pid: number | undefined, fn: () => Promise<T>): Promise<{ value: T; serverCpuMs?: number; otherCpuPercent: number }> {
  const m0 = cpuJiffies();
  const r0 = process.cpuUsage();
  const s0 = cpuMs(pid);
  const value = await fn();
  const s1 = cpuMs(pid);
  const r = process.cpuUsage(r0);
  const m1 = cpuJiffies();
  const serverCpuMs = s0 !== undefined && s1 !== undefined ? s1 - s0 : undefined;
  const totalMs = (m1.total - m0.total) * 10;
  const otherMs = (m1.busy - m0.busy) * 10 - (serverCpuMs ?? 0) - (r.user + r.system) / 1000;
  return { value, serverCpuMs, otherCpuPercent: totalMs > 0 ? Math.max(0, Math.round((otherMs / totalMs) * 100)) : 0 };
}

/** A saturation run with the server's CPU time per request and the other processes' share of the machine. */
async function measured(t: Server, bodiesFor: readonly string[], seconds: number): Promise<SaturationRun> {
  const { value: run, serverCpuMs, otherCpuPercent } = await accounted(t.main?.process.pid, () => saturate(t, bodiesFor, S.connections, seconds));
  if (serverCpuMs !== undefined && run.requests > 0) run.serverCpuUs = Math.round((serverCpuMs * 1000) / run.requests);
  run.otherCpuPercent = otherCpuPercent;
  return run;
}

/** Alternates the targets round by round; returns each target's runs. */
async function alternate(targets: Server[], bodiesFor: readonly string[], seconds: number, rounds: number, what: string): Promise<Map<Server, SaturationRun[]>> {
  const runs = new Map<Server, SaturationRun[]>(targets.map((t) => [t, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const t of targets) {
      const run = await measured(t, bodiesFor, seconds);
      runs.get(t)?.push(run);
      log(`${what} round ${r}/${rounds} ${t.name}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, server CPU ${run.serverCpuUs} µs/request, other processes ${run.otherCpuPercent}% of the machine${invalid(run)}`);
    }
  }
  return runs;
}

/** Runs during which other processes used more than this share of the machine are set aside when cleaner ones exist. */
const BUSY_MACHINE_PERCENT = 25;

function summary(runs: SaturationRun[]) {
  const valid = runs.filter((r) => !r.errors && !r.non2xx);
  const quiet = valid.filter((r) => (r.otherCpuPercent ?? 0) <= BUSY_MACHINE_PERCENT);
  const use = quiet.length ? quiet : valid.length ? valid : runs;
  const byRps = [...use].sort((a, b) => a.rps - b.rps);
  const mid = byRps[Math.floor((byRps.length - 1) / 2)];
  const cpu = use.map((r) => r.serverCpuUs).filter((x): x is number => x !== undefined);
  return {
    rps: median(use.map((r) => r.rps)),
    p50: mid.p50,
    p99: mid.p99,
    serverCpuUs: cpu.length ? median(cpu) : undefined,
    otherCpuPercent: Math.max(...use.map((r) => r.otherCpuPercent ?? 0)),
    roundsUsed: use.length,
    runs,
  };
}

// ------------------------------------------------------------------------------------------------
// Machine and load conditions

function cpuJiffies(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}
function ownJiffies(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ").map(Number);
  // After the ") ": state is index 0, so utime..cstime (fields 14..17) are indices 11..14.
  return fields[11] + fields[12] + fields[13] + fields[14];
}
function machine(): Record<string, string | number> {
  let os = "Linux";
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os;
  } catch {
    /* keep */
  }
  return { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), os, kernel: release() };
}
function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}
function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

// ------------------------------------------------------------------------------------------------

async function startPepr(pepr: Server, certs: BenchCertificates): Promise<void> {
  let build: Awaited<ReturnType<typeof preparePepr>>;
  try {
    build = await preparePepr(peprWorkDir(), join(ROOT, "bench", "pepr", "module"));
  } catch (error) {
    throw new Error(`installing/building pepr@${PEPR_VERSION} in ${peprWorkDir()} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  log(`pepr ${build.version} in ${build.dir}: ${build.reused ? "reusing the module built by an earlier run" : `installed and built in ${build.seconds.toFixed(0)} s (not counted in the budget)`}`);
  budgetOrigin += build.seconds;
  const apiPort = await freePort();
  const api = startChild("fake-apiserver", NODE, [join(ROOT, "dist", "bench", "lib", "fake-apiserver.js"), String(apiPort)], join(LOGS, "fake-apiserver.log"), { cwd: ROOT });
  pepr.children.push(api);
  const kubeconfig = join(WORK, "pepr-kubeconfig.yaml");
  writeKubeconfig(kubeconfig, apiPort);
  const port = await freePort();
  const child = startChild("pepr", NODE, [build.entry], join(LOGS, "pepr.log"), {
    cwd: build.dir,
    env: { ...process.env, NODE_ENV: "production", SSL_KEY_PATH: certs.keyFile, SSL_CERT_PATH: certs.certFile, PEPR_API_PATH: "benchpath", KUBECONFIG: kubeconfig, LOG_LEVEL: "info", BENCH_PEPR_PORT: String(port) },
  });
  pepr.children.push(child);
  pepr.main = child;
  pepr.url = `https://127.0.0.1:${port}/mutate/benchpath`;
  pepr.healthUrl = `https://127.0.0.1:${port}/healthz`;
  pepr.result.startupMs = await waitReady(child, async () => (await httpsRequest(pepr.healthUrl, certs.ca)).status === 200, 30_000);
  pepr.result.description += ` (pepr ${build.version})`;
}

async function stopServer(s: Server): Promise<void> {
  if (s.main && s.result.available) {
    const peak = peakRssMb(s.main.process.pid);
    if (s.result.peakRssMb === undefined) s.result.peakRssMb = peak;
    else s.result.peakRssMbAfterGrowth = peak;
  }
  for (const c of [...s.children].reverse()) await stopChild(c);
}

/** `--profile[=ours|raw|express|express-default]`: one target under saturation with node --cpu-prof, summarised. */
async function profileTarget(which: string, certs: BenchCertificates): Promise<void> {
  const dir = join(WORK, "prof", which);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".cpuprofile")) execFileSync("rm", [join(dir, f)]);
  const s = newServer(`${which}-profiled`, `${which} (profiled)`, "");
  const port = await freePort();
  const flags = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
  const script =
    which === "raw" ? [join(ROOT, "dist", "bench", "servers", "raw.js"), String(port), certs.certFile, certs.keyFile]
    : which === "express" || which === "express-default"
      ? [join(ROOT, "dist", "bench", "servers", "express.js"), which === "express" ? "lean" : "default", String(port), certs.certFile, certs.keyFile]
    : ourServeArgs(RESTRICTED, port, certs);
  await startNodeServer(s, script, port, "/mutate", which === "raw" ? "/" : "/readyz", certs, which === "ours" ? oursEnv() : {}, flags);
  const main = bodies(Array.from({ length: 64 }, (_, i) => namespaceName(i)), Number(process.env.BENCH_PROFILE_CONTAINERS ?? 3));
  await check(s, main[0], certs.ca);
  log(`profiling ${which}: 2 s warm-up, then 8 s at saturation`);
  const warm = await saturate(s, main, S.connections, 2);
  const run = await saturate(s, main, S.connections, 8);
  log(`profiled run: ${run.rps} req/s (the profiler itself costs some throughput)`);
  await stopChild(s.main as Child, "SIGTERM", 10_000);
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}: the server must exit normally on SIGTERM for --cpu-prof to write it`);
  const inclusive = ["admit", "evaluate", "runProvider", "diff", "admissionResponse", "jsonParser", "log node_modules/winston", "observe", "writev", "(garbage collector)"];
  const summaryText = profileText(summariseProfile(join(dir, files[0]), inclusive, 30, warm.requests + run.requests + 1));
  writeFileSync(join(dir, "summary.txt"), `${run.rps} req/s while profiled\n${summaryText}\n`);
  process.stdout.write(summaryText + "\n");
}

/** Share of the machine's CPU busy over `ms`, excluding this process, %. */
async function machineBusyPercent(ms: number): Promise<number> {
  const m0 = cpuJiffies();
  const r0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const r = process.cpuUsage(r0);
  const m1 = cpuJiffies();
  const total = (m1.total - m0.total) * 10;
  return total > 0 ? Math.max(0, Math.round((((m1.busy - m0.busy) * 10 - (r.user + r.system) / 1000) / total) * 100)) : 0;
}

/** `--wait-idle=SECONDS`: wait (at most that long) until other processes use less than a quarter of the machine. */
async function waitIdle(limitSeconds: number): Promise<void> {
  const t0 = elapsedSeconds();
  for (;;) {
    const busy = await machineBusyPercent(3000);
    if (busy < BUSY_MACHINE_PERCENT) {
      log(`machine quiet enough (${busy}% busy over 3 s)`);
      return;
    }
    if (elapsedSeconds() - t0 > limitSeconds) {
      log(`machine still ${busy}% busy after ${limitSeconds} s; measuring anyway`);
      return;
    }
    log(`machine ${busy}% busy with other processes; waiting`);
  }
}

async function main(): Promise<number> {
  installCleanup();
  mkdirSync(LOGS, { recursive: true });
  let cpu0 = cpuJiffies();
  let own0 = ownJiffies();
  let load0 = loadavg();
  log(`work dir ${WORK}; load average ${load0.map((x) => x.toFixed(2)).join(" ")}`);
  const certs = await makeCertificates(join(WORK, "certs"));

  const profile = process.argv.slice(2).find((a) => a.startsWith("--profile"));
  if (profile) {
    await profileTarget(profile.split("=")[1] ?? "ours", certs);
    return 0;
  }

  const idleArg = process.argv.slice(2).find((a) => a.startsWith("--wait-idle"));
  if (idleArg) {
    await waitIdle(Number(idleArg.split("=")[1] ?? 600));
    budgetOrigin = elapsedSeconds();
    cpu0 = cpuJiffies();
    own0 = ownJiffies();
    load0 = loadavg();
  }

  // Policy sets for the growth runs and the engine alone.
  let sets: PolicySet[] = [];
  if (existsSync(RESTRICTED)) {
    try {
      sets = generatePolicySets(RESTRICTED, WORK);
    } catch (error) {
      skipped.push(`namespace/policy growth and the engine alone (${error instanceof Error ? error.message : error})`);
    }
  } else skipped.push(`namespace/policy growth and the engine alone (${RESTRICTED} does not exist)`);
  // The engine alone, first: on a machine where none of the servers (nor the Pepr install) runs yet, and
  // always within the budget (a first run spends ~50 s of it installing Pepr).
  let engine: Results["engine"];
  if (existsSync(RESTRICTED) && sets.length && fits("the engine alone", 9 * S.engineSecondsPerCase + 6)) {
    try {
      const out = await runCommand(NODE, [join(ROOT, "dist", "bench", "engine.js"), RESTRICTED, join(WORK, "policies"), String(S.engineSecondsPerCase)], { cwd: ROOT, env: { ...process.env, NODE_ENV: "production" }, timeoutMs: 60_000 });
      const parsed = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { cases: EngineCase[] };
      engine = { available: true, cases: parsed.cases };
      for (const c of parsed.cases) log(`engine: ${c.name}: ${c.podsPerSecond} Pods/s (${c.microsPerPod} µs)`);
    } catch (error) {
      engine = { available: false, reason: error instanceof Error ? error.message : String(error), cases: [] };
      log(`engine alone failed: ${engine.reason}`);
    }
  }

  const mainNamespaces = Array.from({ length: 64 }, (_, i) => namespaceName(i));
  const mainBodies = bodies(mainNamespaces, 3);

  const raw = newServer("raw", "raw Node HTTPS floor", "node:https, JSON.parse, answer allowed with the uid (bench/servers/raw.ts)");
  const lean = newServer("express", "lean Express floor", "Express 5, etag and x-powered-by off, no middleware (bench/servers/express.ts lean)");
  const defaultExpress = newServer("express-default", "default Express app", "Express 5 with express.json() + res.json() (bench/servers/express.ts default)");
  const ours = newServer("ours", "kube-secure-defaults /mutate", `dist/src/cli/main.js serve, policies/restricted.yaml, NODE_ENV=production${OURS_NODE_OPTIONS ? `, NODE_OPTIONS=${OURS_NODE_OPTIONS} (as in manifests/base/deployment.yaml)` : ""}, info log to a file`);
  const pepr = newServer("pepr", `Pepr ${PEPR_VERSION}`, "Pepr module with the equivalent mutation, local with a stub API server, LOG_LEVEL=info to a file");
  // Our server once more without the Deployment's NODE_OPTIONS (no heap cap), for the fixed-rate latency only:
  // the cap makes V8 run full collections far more often, which shows in the tail (see docs/benchmarks.md).
  const oursNoCap = newServer("ours-no-heap-cap", "kube-secure-defaults /mutate, no heap cap", "as above, but NODE_OPTIONS unset (fixed-rate runs and RSS only)");
  const all = OURS_NODE_OPTIONS ? [raw, lean, defaultExpress, ours, oursNoCap, pepr] : [raw, lean, defaultExpress, ours, pepr];

  // Start everything; a target that cannot start is marked unavailable and the rest goes on.
  const start = async (s: Server, fn: () => Promise<void>) => {
    try {
      await fn();
      s.result.check = await check(s, mainBodies[0], certs.ca);
      s.result.available = true;
      log(`${s.name} ready in ${s.result.startupMs} ms at ${s.url}; patch ${s.result.check.patchOps} ops; ${Object.entries(s.result.check.fields).filter(([, v]) => v).map(([k]) => k).join(", ") || "no hardening"}`);
    } catch (error) {
      s.result.unavailableReason = error instanceof Error ? error.message : String(error);
      log(`${s.name} UNAVAILABLE: ${s.result.unavailableReason}`);
      for (const c of s.children) await stopChild(c, "SIGKILL");
    }
  };
  const port = () => freePort();
  await Promise.all([
    start(raw, async () => { const p = await port(); await startNodeServer(raw, [join(ROOT, "dist", "bench", "servers", "raw.js"), String(p), certs.certFile, certs.keyFile], p, "/mutate", "/", certs); }),
    start(lean, async () => { const p = await port(); await startNodeServer(lean, [join(ROOT, "dist", "bench", "servers", "express.js"), "lean", String(p), certs.certFile, certs.keyFile], p, "/mutate", "/readyz", certs); }),
    start(defaultExpress, async () => { const p = await port(); await startNodeServer(defaultExpress, [join(ROOT, "dist", "bench", "servers", "express.js"), "default", String(p), certs.certFile, certs.keyFile], p, "/mutate", "/readyz", certs); }),
    start(ours, async () => {
      if (!existsSync(RESTRICTED)) throw new Error(`${RESTRICTED} does not exist`);
      const p = await port();
      await startNodeServer(ours, ourServeArgs(RESTRICTED, p, certs), p, "/mutate", "/readyz", certs, oursEnv());
    }),
    OURS_NODE_OPTIONS && existsSync(RESTRICTED)
      ? start(oursNoCap, async () => {
          const p = await port();
          await startNodeServer(oursNoCap, ourServeArgs(RESTRICTED, p, certs), p, "/mutate", "/readyz", certs, { NODE_OPTIONS: "" });
        })
      : Promise.resolve(),
    args.has("--no-pepr")
      ? Promise.resolve(void (pepr.result.unavailableReason = "left out (--no-pepr)"))
      : start(pepr, () => startPepr(pepr, certs)),
  ]);
  const up = all.filter((s) => s.result.available);
  const compared = up.filter((s) => s !== oursNoCap);
  const headline = compared.filter((s) => s !== defaultExpress);
  const fixedRateTargets = up.filter((s) => s !== defaultExpress);

  // Warm-up (JIT, connection pools), not recorded.
  for (const s of up) await saturate(s, mainBodies, S.connections, S.warmupSeconds);
  log("warm-up done");

  // 1. Saturation, alternating.
  const sat = await alternate(compared, mainBodies, S.saturationSeconds, S.rounds, "saturation");
  for (const [s, runs] of sat) s.result.saturation = summary(runs);

  // 2. Fixed rate, open loop, alternating.
  if (fits("fixed-rate runs", fixedRateTargets.length * S.rateSeconds * S.rateRounds + 5)) {
    const pooled = new Map<Server, { p50: number[]; runs: Awaited<ReturnType<typeof paced>>[] }>();
    for (let r = 1; r <= S.rateRounds; r++) {
      for (const s of fixedRateTargets) {
        const { value: run, otherCpuPercent } = await accounted(s.main?.process.pid, () => paced(s, mainBodies, certs.ca, S.rate, S.connections, S.rateSeconds));
        run.otherCpuPercent = otherCpuPercent;
        const entry = pooled.get(s) ?? { p50: [], runs: [] };
        entry.runs.push(run);
        pooled.set(s, entry);
        log(`fixed ${S.rate}/s round ${r}/${S.rateRounds} ${s.name}: p50 ${run.p50} ms, p99 ${run.p99} ms, max ${run.max} ms (from schedule p99 ${run.scheduledP99} ms), ${run.achievedRps} req/s, other processes ${otherCpuPercent}%${invalid(run)}`);
      }
    }
    for (const [s, { runs: all }] of pooled) {
      const quiet = all.filter((x) => (x.otherCpuPercent ?? 0) <= BUSY_MACHINE_PERCENT && !x.errors && !x.non2xx);
      const runs = quiet.length ? quiet : all;
      s.result.fixedRate = {
        rate: S.rate,
        otherCpuPercent: Math.max(...runs.map((x) => x.otherCpuPercent ?? 0)),
        roundsUsed: runs.length,
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        max: Math.max(...runs.map((x) => x.max)),
        scheduledP50: median(runs.map((x) => x.scheduledP50)),
        scheduledP99: median(runs.map((x) => x.scheduledP99)),
        achievedRps: median(runs.map((x) => x.achievedRps)),
        errors: runs.reduce((a, x) => a + x.errors, 0),
        non2xx: runs.reduce((a, x) => a + x.non2xx, 0),
        runs: all,
      };
    }
  }

  // 3. autocannon's own overallRate, for reference.
  if (fits("autocannon overallRate runs", headline.length * S.autocannonRateSeconds + 3)) {
    for (const s of headline) {
      const run = await autocannonRate(s, mainBodies, S.rate, S.connections, S.autocannonRateSeconds);
      s.result.autocannonRate = run;
      log(`autocannon overallRate ${S.rate} ${s.name}: p50 ${run.p50} ms, p97.5 ${run.p97_5} ms, p99 ${run.p99} ms${invalid(run)}`);
    }
  }

  for (const s of up) s.result.peakRssMb = peakRssMb(s.main?.process.pid);

  // 4. Growth in containers per Pod (ours, the raw floor and Pepr with the same bodies).
  const growth: GrowthRow[] = [];
  const containerTargets = [ours, raw, pepr].filter((s) => s.result.available);
  for (const n of [1, 10, 50]) {
    if (!containerTargets.length || !fits(`${n}-container runs`, containerTargets.length * S.growthSeconds * S.growthRounds + 2)) continue;
    const b = bodies(mainNamespaces, n);
    for (const s of containerTargets) {
      try {
        const c = await check(s, b[0], certs.ca);
        log(`${s.name} ${n} containers: patch ${c.patchOps} ops`);
      } catch (error) {
        log(`${s.name} ${n} containers: check failed: ${error instanceof Error ? error.message : error}`);
      }
    }
    const runs = await alternate(containerTargets, b, S.growthSeconds, S.growthRounds, `${n} containers`);
    for (const [s, rs] of runs) {
      const m = summary(rs);
      growth.push({ axis: "containers", target: s.label, case: `${n} container${n > 1 ? "s" : ""} (${b[0].length} bytes)`, rps: m.rps, p50: m.p50, p99: m.p99, serverCpuUs: m.serverCpuUs, otherCpuPercent: m.otherCpuPercent, runs: rs.map((x) => x.rps) });
    }
  }
  for (const s of containerTargets) {
    if (s.result.saturation) growth.push({ axis: "containers", target: s.label, case: `3 containers (${mainBodies[0].length} bytes; main run)`, rps: s.result.saturation.rps, p50: s.result.saturation.p50, p99: s.result.saturation.p99, serverCpuUs: s.result.saturation.serverCpuUs, otherCpuPercent: s.result.saturation.otherCpuPercent });
  }
  const order = containerTargets.map((s) => s.label);
  growth.sort((a, b) => order.indexOf(a.target) - order.indexOf(b.target) || parseInt(a.case) - parseInt(b.case));

  for (const s of all) await stopServer(s);
  log(`main servers stopped; peak RSS ${all.filter((s) => s.result.peakRssMb).map((s) => `${s.name} ${s.result.peakRssMb} MB (${s.result.peakRssMbAfterGrowth ?? "–"} MB after the 1/10/50-container runs)`).join(", ")}`);

  // 5. Growth in bound namespaces and loaded policies: one server of ours per policy set (made at the start).
  if (sets.length && !ours.result.available) skipped.push("namespace/policy growth (our server is unavailable)");
  if (sets.length && ours.result.available && fits("namespace/policy growth", 8 + sets.length * (S.growthSeconds * S.growthRounds + 1))) {
    const servers = sets.map((set) => newServer(set.name, set.description, set.path));
    await Promise.all(servers.map(async (s, i) => {
      try {
        const p = await freePort();
        await startNodeServer(s, ourServeArgs(sets[i].path, p, certs), p, "/mutate", "/readyz", certs, oursEnv());
        s.result.check = await check(s, bodies(sets[i].namespaces, 3)[0], certs.ca);
        s.result.available = true;
      } catch (error) {
        s.result.unavailableReason = error instanceof Error ? error.message : String(error);
        log(`${s.name} UNAVAILABLE: ${s.result.unavailableReason}`);
      }
    }));
    const runsBy = new Map<Server, SaturationRun[]>();
    const setBodies = new Map(servers.map((s, i) => [s, bodies(sets[i].namespaces, 3)]));
    for (const s of servers.filter((x) => x.result.available)) await saturate(s, setBodies.get(s) ?? [], S.connections, 1);
    for (let r = 1; r <= S.growthRounds; r++) {
      for (const s of servers.filter((x) => x.result.available)) {
        const run = await measured(s, setBodies.get(s) ?? [], S.growthSeconds);
        runsBy.set(s, [...(runsBy.get(s) ?? []), run]);
        log(`growth round ${r}/${S.growthRounds} ${s.name}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, server CPU ${run.serverCpuUs} µs/request, other processes ${run.otherCpuPercent}%${invalid(run)}`);
      }
    }
    for (const [i, s] of servers.entries()) {
      const set = sets[i];
      const axis = set.name.startsWith("namespaces") ? "namespaces" : "policies";
      await stopServer(s);
      if (!s.result.available) {
        growth.push({ axis, target: "kube-secure-defaults", case: set.description, note: `unavailable: ${s.result.unavailableReason?.split("\n")[0]}` });
        continue;
      }
      const m = summary(runsBy.get(s) ?? []);
      growth.push({ axis, target: "kube-secure-defaults", case: set.description, rps: m.rps, p50: m.p50, p99: m.p99, serverCpuUs: m.serverCpuUs, otherCpuPercent: m.otherCpuPercent, runs: (runsBy.get(s) ?? []).map((x) => x.rps), peakRssMb: s.result.peakRssMb });
    }
  }


  // Results.
  const cpu1 = cpuJiffies();
  const own1 = ownJiffies();
  const machineBusy = cpu1.busy - cpu0.busy;
  const foreignShare = machineBusy > 0 ? Math.max(0, (machineBusy - (own1 - own0)) / (cpu1.total - cpu0.total)) : 0;
  const load1 = loadavg();
  const loadConditions =
    `server and load generator (autocannon, in the runner's process) share the machine's ${cpus().length} cores on loopback; ` +
    `other processes (other engineers' builds and tests) may run at the same time: load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after; ` +
    `processes other than the benchmark's used ${(foreignShare * 100).toFixed(0)}% of the machine's CPU time during the measurements` +
    (budgetOrigin > 0 ? ` (after a ${Math.round(budgetOrigin)}-s wait for a quiet machine)` : "") +
    `, and the per-run share is in the tables.`;

  const rps = (s: Server) => (s.result.available ? s.result.saturation?.rps : undefined);
  const cpu = (s: Server) => (s.result.available ? s.result.saturation?.serverCpuUs : undefined);
  const div = (a?: number, b?: number) => (a && b ? Math.round((a / b) * 100) / 100 : null);
  const ratios: Results["ratios"] = {
    toRaw: div(rps(ours), rps(raw)),
    toExpress: div(rps(ours), rps(lean)),
    toExpressDefault: div(rps(ours), rps(defaultExpress)),
    toPepr: div(rps(ours), rps(pepr)),
    expressToRaw: div(rps(lean), rps(raw)),
    peprToExpress: div(rps(pepr), rps(lean)),
    // Inverse ratios of server CPU per request: > 1 means ours costs less CPU per request.
    cpuToRaw: div(cpu(raw), cpu(ours)),
    cpuToExpress: div(cpu(lean), cpu(ours)),
    cpuToExpressDefault: div(cpu(defaultExpress), cpu(ours)),
    cpuToPepr: div(cpu(pepr), cpu(ours)),
  };
  const nsRow = (n: number) => growth.find((g) => g.axis === "namespaces" && g.case.startsWith(`1 policy bound to ${n} namespace`))?.rps;
  const nsChange = nsRow(1) && nsRow(10_000) ? ((nsRow(10_000) as number) - (nsRow(1) as number)) / (nsRow(1) as number) : undefined;
  const choice = (n: number) => engine?.cases.find((c) => c.name.startsWith("policy choice") && c.name.includes(` ${n} namespace`));
  const choiceNote = choice(1) && choice(10_000) ? ` (policy choice alone: ${choice(1)?.microsPerPod} µs per request with 1 bound namespace, ${choice(10_000)?.microsPerPod} µs with 10,000)` : "";
  const engine3 = engine?.cases.find((c) => c.containers === 3 && c.policies === 1 && !c.pipeline);
  const oursRss = [ours.result.peakRssMb, ...growth.filter((g) => g.axis !== "containers").map((g) => g.peakRssMb)].filter((x): x is number => x !== undefined);
  const yes = (cond: boolean | undefined) => (cond === undefined ? null : cond);
  const goals: Goal[] = [
    { goal: "/mutate throughput ≥ 80% of the lean Express floor", value: ratios.toExpress === null ? "–" : `${Math.round((ratios.toExpress ?? 0) * 100)}%`, met: yes(ratios.toExpress === null ? undefined : (ratios.toExpress ?? 0) >= 0.8) },
    { goal: "/mutate throughput ≥ 2× Pepr's", value: ratios.toPepr === null ? "–" : `${ratios.toPepr}×`, met: yes(ratios.toPepr === null ? undefined : (ratios.toPepr ?? 0) >= 2) },
    { goal: "p99 ≤ 2 ms at 500 requests/s", value: ours.result.fixedRate ? `${ours.result.fixedRate.p99} ms${oursNoCap.result.fixedRate ? ` (${oursNoCap.result.fixedRate.p99} ms without the heap cap)` : ""}` : "–", met: yes(ours.result.fixedRate ? ours.result.fixedRate.p99 <= 2 : undefined) },
    { goal: "engine ≥ 20,000 Pods/s (3-container Pod)", value: engine3 ? `${engine3.podsPerSecond.toLocaleString("en-US")} Pods/s (${(engine3.podsPerCpuSecond ?? 0).toLocaleString("en-US")} per CPU-second)` : "–", met: yes(engine3 ? engine3.podsPerSecond >= 20_000 : undefined) },
    { goal: "< 10% throughput change from 1 to 10,000 namespaces", value: (nsChange === undefined ? "–" : `${(nsChange * 100).toFixed(1)}%`) + choiceNote, met: yes(nsChange === undefined ? undefined : Math.abs(nsChange) < 0.1) },
    { goal: "peak RSS < 150 MB", value: oursRss.length ? `${Math.max(...oursRss)} MB (largest of our server's 3-container runs; ${ours.result.peakRssMbAfterGrowth ?? "–"} MB after the 50-container Pods)` : "–", met: yes(oursRss.length ? Math.max(...oursRss) < 150 : undefined) },
    { goal: "long-term aim: ≥ 50% of the raw floor", value: ratios.toRaw === null ? "–" : `${Math.round((ratios.toRaw ?? 0) * 100)}%`, met: yes(ratios.toRaw === null ? undefined : (ratios.toRaw ?? 0) >= 0.5) },
  ];

  const results: Results = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    complete: !QUICK && skipped.length === 0 && all.every((s) => s.result.available || s === pepr && args.has("--no-pepr")),
    totalSeconds: Math.round(elapsedSeconds()),
    machine: machine(),
    versions: { node: process.version, "kube-secure-defaults": `${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version} (${gitCommit()})`, autocannon: versionOf("autocannon"), express: versionOf("express"), pepr: pepr.result.available ? PEPR_VERSION : "unavailable" },
    settings: { ...S, bodyBytes: mainBodies[0].length, quick: QUICK, oursNodeOptions: OURS_NODE_OPTIONS },
    loadConditions,
    targets: all.map((s) => s.result),
    ratios,
    growth,
    engine,
    goals,
    skipped,
  };
  const text = markdown(results);
  if (args.has("--no-docs") || QUICK) {
    writeFileSync(join(WORK, "results.json"), JSON.stringify(results, null, 2) + "\n");
    log(`results in ${join(WORK, "results.json")} (docs untouched: --quick/--no-docs)`);
  } else {
    writeFileSync(join(ROOT, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");
    updateDocs(join(ROOT, "docs", "benchmarks.md"), text);
    log("results in bench/results.json and docs/benchmarks.md");
  }
  process.stdout.write(text + "\n");
  return ours.result.available ? 0 : 1;
}

main().then(
  (code) => {
    log(`done in ${elapsedSeconds().toFixed(0)} s`);
    process.exit(code);
  },
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
