// Graceful shutdown: readiness turns false, requests in flight finish, and the process exits 0 within a
// bound. Requests are held "in flight" deterministically by sending half of their body, not by timing.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { admissionReview, decodePatch, eventually, pod, removeDir, SERVER_FIXTURES, startHarness, tempDir, WebhookClient, type Harness } from "./support/server-harness.js";

interface Held {
  uid: string;
  /** Sends the rest of the body; resolves with the answer. */
  finish(): Promise<{ status: number; body: string; connection?: string }>;
}

/** Starts a /mutate request and sends only the first half of its body. */
function holdRequest(port: number, ca: string, namespace = "strict-ns"): Promise<Held> {
  const review = admissionReview({ object: pod("held", namespace), namespace });
  const payload = Buffer.from(JSON.stringify(review));
  const half = Math.floor(payload.length / 2);
  return new Promise((resolveHeld, rejectHeld) => {
    const req = httpsRequest({
      host: "127.0.0.1",
      servername: "localhost",
      port,
      path: "/mutate?timeout=10s",
      method: "POST",
      ca,
      agent: false,
      headers: { "content-type": "application/json", "content-length": String(payload.length) },
    });
    const answer = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      });
      req.on("error", reject);
    });
    answer.catch(() => {});
    req.on("error", rejectHeld);
    req.write(payload.subarray(0, half), () =>
      resolveHeld({
        uid: review.request.uid,
        finish: () => {
          req.end(payload.subarray(half));
          return answer;
        },
      }),
    );
  });
}

function connectRefused(port: number, ca: string): Promise<boolean> {
  return new WebhookClient(port, ca).request("/healthz", undefined, { freshConnection: true }).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
  );
}

function checkAnswer(answer: { status: number; body: string }, uid: string): void {
  assert.equal(answer.status, 200, answer.body);
  const review = JSON.parse(answer.body);
  assert.equal(review.response.uid, uid);
  assert.equal(review.response.allowed, true);
  assert.equal(decodePatch(review.response).length, 1, "the held requests are answered in full");
}

describe("server: graceful shutdown (in process)", () => {
  const IN_FLIGHT = 20;

  it("turns readiness false, stops accepting, and lets every request in flight finish", async function () {
    this.timeout(60_000);
    const harness: Harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
    const { port } = harness.webhook.address;
    const ca = harness.tls.ca.certPem;
    try {
      const held = await Promise.all(Array.from({ length: IN_FLIGHT }, () => holdRequest(port, ca)));
      await eventually(() => harness.webhook.server.inFlight === IN_FLIGHT, `${IN_FLIGHT} requests in flight`);
      assert.equal(harness.webhook.readiness().serving, true);

      const stopped = harness.webhook.stop();
      assert.equal(harness.webhook.readiness().serving, false, "readiness turns false at once");
      await eventually(() => connectRefused(port, ca), "new connections to be refused");

      const answers = await Promise.all(held.map((h) => h.finish()));
      answers.forEach((a, i) => checkAnswer(a, held[i].uid));
      assert.ok(answers.every((a) => a.connection === "close"), "answers during shutdown close their connection");
      await stopped;
      console.log(`      shutdown (in process): ${IN_FLIGHT} requests in flight at stop, ${answers.filter((a) => a.status !== 200).length} failed`);
      assert.ok(harness.logs.find("shutting down: not ready, finishing requests in flight").length === 1);
      assert.ok(harness.logs.find("stopped").length === 1);
    } finally {
      await harness.close();
    }
  });

  it("gives up on a request that never completes after --shutdown-timeout", async function () {
    this.timeout(60_000);
    const harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict", shutdownTimeoutMs: 200 });
    try {
      const stuck = await holdRequest(harness.webhook.address.port, harness.tls.ca.certPem);
      await eventually(() => harness.webhook.server.inFlight === 1, "the stuck request in flight");
      await harness.webhook.stop();
      assert.equal(harness.logs.find("shutdown timeout: closing connections with requests still in flight")[0]?.inFlight, 1);
      await assert.rejects(stuck.finish(), "the stuck connection was closed");
    } finally {
      await harness.close();
    }
  });
});

describe("server: `secure-defaults serve` as a process", () => {
  const IN_FLIGHT = 10;
  let cwd: string;
  let child: ChildProcess;
  let stdout = "";
  let stderr = "";
  let exited: Promise<number | null>;

  before(() => {
    cwd = tempDir("sd-serve-process-");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SECURE_DEFAULTS_") && !k.startsWith("KUBERNETES_")));
    child = spawn(
      process.execPath,
      ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, join(import.meta.dirname, "..", "src", "cli", "main.ts"), "serve", "--policies", join(SERVER_FIXTURES, "policies"), "--port", "0", "--host", "127.0.0.1"],
      { cwd, env: { ...env, SECURE_DEFAULTS_DEFAULT_POLICY: "strict", SECURE_DEFAULTS_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  });

  after(async () => {
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    removeDir(cwd);
  });

  const logLines = () =>
    stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("creates development certificates in .secure-defaults/, serves, and on SIGTERM finishes requests in flight and exits 0", async function () {
    this.timeout(60_000);
    const serving = await eventually(() => {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
      // stdout (logs) and stderr (the CA hint) are separate pipes: wait for both.
      return stderr.includes("curl --cacert") ? logLines().find((l) => l.message === "serving") : undefined;
    }, "the server to listen and print the CA path");
    const port = serving.port as number;
    const caPath = join(cwd, ".secure-defaults", "ca.crt");
    assert.ok(stderr.includes(`CA: ${caPath}`), stderr);
    assert.ok(stderr.includes(`curl --cacert .secure-defaults/ca.crt https://localhost:${port}/healthz`), stderr);
    const ca = readFileSync(caPath, "utf8");
    const client = new WebhookClient(port, ca);
    assert.equal((await client.request("/readyz")).status, 200);
    client.close();

    const held = await Promise.all(Array.from({ length: IN_FLIGHT }, () => holdRequest(port, ca)));
    const probe = new WebhookClient(port, ca);
    // The /metrics request itself is in flight too.
    await eventually(async () => /^secure_defaults_inflight_requests (\d+)$/m.exec((await probe.request("/metrics")).text)?.[1] === String(IN_FLIGHT + 1), "the held requests in flight");
    probe.close();

    child.kill("SIGTERM");
    await eventually(() => logLines().some((l) => l.message === "shutting down: not ready, finishing requests in flight"), "shutdown to begin");
    const answers = await Promise.all(held.map((h) => h.finish()));
    answers.forEach((a, i) => checkAnswer(a, held[i].uid));
    const code = await exited;
    console.log(`      shutdown (process): ${IN_FLIGHT} requests in flight at SIGTERM, ${answers.filter((a) => a.status !== 200).length} failed, exit ${code}`);
    assert.equal(code, 0, stderr);
    const lines = logLines();
    assert.ok(lines.some((l) => l.message === "stopped"));
    assert.equal(lines.filter((l) => l.message === "admission").length, IN_FLIGHT, "one log line per request");
  });
});
