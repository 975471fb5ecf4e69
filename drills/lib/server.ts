// The webhook as the Deployment runs it (manifests/base/deployment.yaml): the production build
// (dist/src/cli/main.js serve), the container's args with the mounted paths replaced by the drill's own
// files, its NODE_OPTIONS (heap cap), info logging; bound to 127.0.0.1 only. Started and killed by PID
// through bench/lib/proc.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { cpuMs, httpsRequest, startChild, stopChild, tail, waitReady, type Child } from "../../bench/lib/proc.js";

export interface DeploymentRun {
  /** The container's args. */
  args: string[];
  /** The container's NODE_OPTIONS. */
  nodeOptions: string;
}

type Container = { name?: string; args?: string[]; env?: { name: string; value?: string }[] };

/** The webhook container's args and NODE_OPTIONS from the Deployment manifest. */
export function deploymentRun(root: string): DeploymentRun {
  const text = readFileSync(join(root, "manifests", "base", "deployment.yaml"), "utf8");
  for (const doc of parseAllDocuments(text)) {
    const d = doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } };
    if (d?.kind !== "Deployment") continue;
    const c = d.spec?.template?.spec?.containers?.find((x) => x.name === "webhook") ?? d.spec?.template?.spec?.containers?.[0];
    if (c) return { args: c.args ?? [], nodeOptions: c.env?.find((e) => e.name === "NODE_OPTIONS")?.value ?? "" };
  }
  throw new Error("manifests/base/deployment.yaml: no Deployment with a webhook container");
}

/** The Deployment's args with each `--flag value` of `replace` set to the given value (added if absent). */
export function withArgs(args: readonly string[], replace: Record<string, string>): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].replace(/^--/, "");
    if (args[i].startsWith("--") && flag in replace) {
      out.push(args[i], replace[flag]);
      done.add(flag);
      i++;
    } else out.push(args[i]);
  }
  for (const [flag, value] of Object.entries(replace)) if (!done.has(flag)) out.push(`--${flag}`, value);
  return out;
}

export interface WebhookFiles {
  policies: string;
  certFile: string;
  keyFile: string;
  ca: string;
  kubeconfig?: string;
}

export interface WebhookProcess {
  child: Child;
  port: number;
  args: string[];
  nodeOptions: string;
  pid: number;
  alive(): boolean;
  /** "alive, RSS 83 MB" or how it exited, with the tail of its log. */
  state(): string;
  rssMb(): number | undefined;
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export async function startWebhookProcess(root: string, files: WebhookFiles, port: number, logFile: string): Promise<WebhookProcess> {
  const run = deploymentRun(root);
  const args = withArgs(run.args, {
    policies: files.policies,
    "tls-cert": files.certFile,
    "tls-key": files.keyFile,
    port: String(port),
    host: "127.0.0.1",
    ...(files.kubeconfig ? { kubeconfig: files.kubeconfig } : {}),
  });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NODE_OPTIONS: run.nodeOptions };
  const child = startChild("webhook", process.execPath, [join(root, "dist", "src", "cli", "main.js"), "serve", ...args], logFile, { cwd: root, env });
  let exit: string | undefined;
  void child.exited.then((how) => (exit = how));
  await waitReady(child, async () => (await httpsRequest(`https://127.0.0.1:${port}/readyz`, files.ca)).status === 200, 30_000);
  const pid = child.process.pid ?? 0;
  const rssMb = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    port,
    args,
    nodeOptions: run.nodeOptions,
    pid,
    alive: () => exit === undefined,
    state: () => (exit === undefined ? `alive, RSS ${rssMb()} MB` : `exited (${exit}): ${tail(logFile, 3).replace(/\n/g, " / ")}`),
    rssMb,
    cpuMs: () => cpuMs(pid),
    stop: () => stopChild(child, "SIGTERM", 15_000),
  };
}

/** heap used (MB) from the webhook's /metrics (prom-client's nodejs_heap_size_used_bytes). */
export async function heapUsedMb(port: number, ca: string): Promise<number | undefined> {
  try {
    const { body } = await httpsRequest(`https://127.0.0.1:${port}/metrics`, ca);
    const m = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(body);
    return m ? Math.round(Number(m[1]) / 1024 / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}
