// Child processes of the benchmark: spawn, wait until ready, read peak RSS, and kill every one of them
// on any exit path (normal end, error, Ctrl-C, SIGTERM).
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";

const children = new Set<ChildProcess>();

export function log(message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${message}\n`);
}
const started = Date.now();
export function elapsedSeconds(): number {
  return (Date.now() - started) / 1000;
}

function killAll(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        // Each child leads its own process group (detached), so this also reaches its children.
        process.kill(-child.pid, signal);
      } catch {
        try {
          child.kill(signal);
        } catch {
          /* already gone */
        }
      }
    }
  }
}

let handlersInstalled = false;
export function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => killAll("SIGKILL"));
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      log(`received ${signal}: stopping every child process`);
      killAll("SIGKILL");
      process.exit(130);
    });
  }
  process.on("uncaughtException", (error) => {
    log(`uncaught: ${error.stack ?? error.message}`);
    killAll("SIGKILL");
    process.exit(1);
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
}

/** Starts a process whose stdout and stderr go to `logFile`, in its own process group. */
export function startChild(name: string, command: string, args: string[], logFile: string, options: SpawnOptions = {}): Child {
  const fd = openSync(logFile, "w");
  const child = spawn(command, args, { ...options, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  children.add(child);
  const exited = new Promise<string>((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    });
    child.on("error", (error) => {
      children.delete(child);
      resolve(`spawn error: ${error.message}`);
    });
  });
  return { name, process: child, logFile, exited };
}

/** Stops a child: `signal` first, SIGKILL after `graceMs`. */
export async function stopChild(child: Child, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  try {
    p.kill(signal);
  } catch {
    /* gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(p.pid ?? 0), "SIGKILL");
    } catch {
      /* gone */
    }
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
  // Whatever the child left in its group.
  try {
    process.kill(-(p.pid ?? 0), "SIGKILL");
  } catch {
    /* gone */
  }
}

/** A port that was free a moment ago (bound to 0 on loopback, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

/** One HTTPS request that trusts only `ca`. */
export function httpsRequest(url: string, ca: string, method = "GET", body?: string, timeoutMs = 2000): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, timeout: timeoutMs, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Polls until `check` answers true, the child exits, or `timeoutMs` passes. Throws with the tail of
 * the child's log when it does not become ready.
 */
export async function waitReady(child: Child, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let exited: string | undefined;
  void child.exited.then((how) => (exited = how));
  let lastError = "";
  while (Date.now() - t0 < timeoutMs) {
    if (exited) throw new Error(`${child.name} exited (${exited}) before it was ready:\n${tail(child.logFile)}`);
    try {
      if (await check()) return Date.now() - t0;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms (${lastError}):\n${tail(child.logFile)}`);
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion with output captured; rejects on a non-zero exit or after timeoutMs. */
export function runCommand(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number; logFile?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
    children.add(child);
    let out = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        /* gone */
      }
    }, options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${out.trimEnd().split("\n").slice(-20).join("\n")}`));
    });
  });
}

/** CPU time (user + system) a live process has used so far, in ms (clock ticks of 10 ms). */
export function cpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ").map(Number);
    // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indices 11 and 12.
    return (fields[11] + fields[12]) * 10;
  } catch {
    return undefined;
  }
}
