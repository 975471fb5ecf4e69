// Times the bodies a hostile client sent in issue 14 against the request handler (createApp, plain HTTP on
// loopback, the shipped restricted policy): one container with 40,000 / 200,000 distinct capabilities in
// `add` and in `drop`, and a Pod with 100,000 containers, on /mutate and /preview. The server runs in a
// child process; while a request is in flight the parent pings GET /healthz every 10 ms, and the slowest
// ping says how long the server's event loop was blocked for everyone else. Prints one line per case; the
// last three cases are the largest Pods still judged (the limits in src/engine/limits.ts).
//
//   node --import tsx scripts/hostile-timings.ts [--timeout SECONDS]
//
// A case that gets no answer within the timeout (default 30 s) is reported as such and the server is
// restarted for the next case. This is a measurement, not a test: it asserts nothing.
import { fork, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../src/server/app.js";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics } from "../src/metrics/metrics.js";
import { loadPolicies } from "../src/policy/load.js";
import { Writable } from "node:stream";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function serve(): void {
  const { policies } = loadPolicies([join(REPO, "policies", "restricted.yaml")]);
  const app = createApp({
    policies: () => policies,
    namespaceLabels: () => Promise.resolve(undefined),
    readiness: () => ({ ok: true }),
    logger: createLogger({ level: "error", stream: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics({ defaultMetrics: false }),
    options: { onError: "deny" },
  });
  const server = createServer(app);
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
  });
}

function review(object: unknown) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "00000000-0000-4000-8000-000000000001",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      name: "hostile",
      namespace: "default",
      operation: "CREATE",
      object,
      dryRun: false,
    },
  };
}

function pod(containers: unknown[]) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "hostile", namespace: "default" }, spec: { containers } };
}

function capabilitiesPod(list: "add" | "drop", n: number) {
  const names = Array.from({ length: n }, (_, i) => `C${String(i).padStart(6, "0")}`);
  return pod([{ name: "app", image: "app:1", securityContext: { capabilities: { [list]: names } } }]);
}

function manyContainers(n: number) {
  return pod(Array.from({ length: n }, (_, i) => ({ name: `c${i}` })));
}

interface Answer {
  status: number;
  bytes: number;
  text: string;
}

function post(port: number, path: string, body: string, timeoutMs: number): Promise<Answer | "timeout"> {
  return new Promise((resolveAnswer, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers: { "content-type": "application/json" }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolveAnswer({ status: res.statusCode ?? 0, bytes: Buffer.byteLength(text), text });
      });
    });
    req.on("timeout", () => {
      req.destroy();
      resolveAnswer("timeout");
    });
    req.on("error", reject);
    req.end(body);
  });
}

function ping(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((ok) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      res.resume();
      res.on("end", () => ok(performance.now() - started));
    });
    req.on("error", () => ok(performance.now() - started));
    req.end();
  });
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((ok) => child.once("message", (m: { port: number }) => ok({ child, port: m.port })));
}

/** What the answer says, in a few words: the HTTP status, allowed or denied, the patch size, the message's start. */
function summary(answer: Answer): string {
  let json: { response?: { allowed?: boolean; patch?: string; status?: { code?: number; message?: string } }; allowed?: boolean; message?: string };
  try {
    json = JSON.parse(answer.text);
  } catch {
    return `HTTP ${answer.status}`;
  }
  const response = json.response;
  if (!response) return `HTTP ${answer.status} ${(json.message ?? "").slice(0, 110)}`;
  const patch = response.patch ? `, patch ${Buffer.from(response.patch, "base64").length} bytes` : "";
  const denial = response.status?.message ? `, ${response.status.code}: ${response.status.message.slice(0, 110)}` : "";
  return `HTTP ${answer.status} allowed=${response.allowed}${patch}${denial}`;
}

async function measure(): Promise<void> {
  const at = process.argv.indexOf("--timeout");
  const timeoutMs = (at > 0 ? Number(process.argv[at + 1]) : 30) * 1000;
  const cases: [string, string, () => unknown][] = [
    ["add 40k capabilities", "/mutate", () => review(capabilitiesPod("add", 40_000))],
    ["add 200k capabilities", "/mutate", () => review(capabilitiesPod("add", 200_000))],
    ["drop 40k capabilities", "/mutate", () => review(capabilitiesPod("drop", 40_000))],
    ["drop 200k capabilities", "/mutate", () => review(capabilitiesPod("drop", 200_000))],
    ["100k containers", "/mutate", () => review(manyContainers(100_000))],
    ["100k containers", "/preview", () => ({ object: manyContainers(100_000), namespace: "default" })],
    // The largest Pods still judged (src/engine/limits.ts): what a request may cost at most.
    ["drop 10k capabilities (limit)", "/mutate", () => review(capabilitiesPod("drop", 10_000))],
    ["500 containers (limit)", "/mutate", () => review(manyContainers(500))],
    ["500 containers (limit)", "/preview", () => ({ object: manyContainers(500), namespace: "default" })],
  ];
  let server = await startServer();
  for (const [name, path, build] of cases) {
    const body = JSON.stringify(build());
    await post(server.port, "/healthz", "", 1000).catch(() => undefined); // warm the connection path
    let inFlight = true;
    let slowestPing = 0;
    const pinger = (async () => {
      while (inFlight) {
        slowestPing = Math.max(slowestPing, await ping(server.port));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    const answer = await post(server.port, path, body, timeoutMs);
    const ms = performance.now() - started;
    inFlight = false;
    if (answer === "timeout") {
      server.child.kill();
      console.log(`${`${name} ${path}`.padEnd(42)} body ${(body.length / 1e6).toFixed(2)} MB  no answer within ${timeoutMs / 1000} s (server restarted)`);
      server = await startServer();
      continue;
    }
    await pinger;
    console.log(
      `${`${name} ${path}`.padEnd(42)} body ${(body.length / 1e6).toFixed(2)} MB  ${ms.toFixed(0).padStart(6)} ms  answer ${(answer.bytes / 1e6).toFixed(3)} MB  slowest /healthz ${slowestPing.toFixed(0)} ms  ${summary(answer)}`,
    );
  }
  server.child.kill();
}

if (process.argv.includes("--serve")) serve();
else await measure();
