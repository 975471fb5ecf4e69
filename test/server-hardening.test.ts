// Issue 14, defects 4 and 5: TLS 1.2 offers AEAD suites only; the server's timeouts fit an admission
// webhook and its connections are capped; POST /preview can be switched off or moved to its own port.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type ConnectionOptions } from "node:tls";
import { join } from "node:path";
import { parseServeOptions, USAGE, type ServeOptions } from "../src/cli/serve.js";
import {
  CIPHERS,
  DEFAULT_MAX_CONNECTIONS,
  TLS12_CIPHERS,
  HANDSHAKE_TIMEOUT_MS,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  CONNECTIONS_CHECKING_INTERVAL_MS,
} from "../src/server/https.js";
import { admissionReview, eventually, pod, SERVER_FIXTURES, startHarness, WebhookClient, type Harness } from "./support/server-harness.js";

const POLICIES = [join(SERVER_FIXTURES, "policies")];

/** A TLS handshake with the given client options; resolves with the negotiated cipher name. */
function handshake(port: number, ca: string, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca, ...options }, () => {
      const cipher = socket.getCipher().name;
      socket.end();
      resolve(cipher);
    });
    socket.on("error", reject);
  });
}

describe("server: TLS suites, timeouts and the connection cap (issue 14)", () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ policies: POLICIES, defaultPolicy: "strict", maxConnections: 3 });
  });
  after(async () => harness?.close());

  it("refuses a TLS 1.2 client that offers only SHA-1 CBC suites", async () => {
    const { port } = harness.webhook.address;
    for (const cipher of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"]) {
      await assert.rejects(handshake(port, harness.tls.ca.certPem, { ciphers: cipher, maxVersion: "TLSv1.2" }), /handshake failure|no shared cipher|alert/i, cipher);
    }
  });

  it("accepts TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305, and TLS 1.3", async () => {
    const { port } = harness.webhook.address;
    const ca = harness.tls.ca.certPem;
    for (const cipher of ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]) {
      assert.equal(await handshake(port, ca, { ciphers: cipher, maxVersion: "TLSv1.2" }), cipher);
    }
    assert.equal(await handshake(port, ca, { minVersion: "TLSv1.3" }), "TLS_AES_256_GCM_SHA384");
  });

  it("disconnects a client that never finishes its headers (slowloris) once the headers timeout has passed", async function () {
    // Node checks these timeouts every connectionsCheckingInterval (30 s by default): without a short
    // interval such a connection stayed open for up to 40 s. The mocha timeout is the bound checked.
    this.timeout(HEADERS_TIMEOUT_MS + CONNECTIONS_CHECKING_INTERVAL_MS + 8_000);
    const { port } = harness.webhook.address;
    const closed = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: harness.tls.ca.certPem }, () => {
        socket.write("POST /mutate HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
      });
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
      socket.on("close", () => resolve(answer.split("\r\n")[0]));
      socket.on("error", reject);
    });
    assert.match(closed, /^(HTTP\/1\.1 408 Request Timeout)?$/);
  });

  it("has exactly the documented suite list and timeouts", () => {
    assert.equal(
      CIPHERS,
      "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:" +
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
    );
    assert.deepEqual([HANDSHAKE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS], [10_000, 10_000, 30_000, 95_000]);
    assert.equal(DEFAULT_MAX_CONNECTIONS, 1000);
  });

  it("closes connections over --max-connections at once, counts them, and serves again when they close", async () => {
    const { port } = harness.webhook.address;
    const ca = harness.tls.ca.certPem;
    // Three idle TLS connections fill the cap of 3.
    const held = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<ReturnType<typeof connect>>((resolve, reject) => {
            const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca }, () => resolve(socket));
            socket.on("error", reject);
          }),
      ),
    );
    await assert.rejects(handshake(port, ca, {}), /ECONNRESET|socket disconnected|socket hang up/i);
    const dropped = await harness.metrics.registry.getSingleMetricAsString("secure_defaults_errors_total");
    assert.match(dropped, /secure_defaults_errors_total\{type="connection_limit"\} 1/);
    assert.equal(harness.logs.find("connection limit reached: new connections are closed")[0]?.maxConnections, 3);
    for (const socket of held) socket.destroy();
    await eventually(async () => (await handshake(port, ca, {})) !== "", "a connection once the others closed");
  });
});

describe("server: --preview=off and --preview-port (issue 14)", () => {
  const review = () => admissionReview({ object: pod("web", "strict-ns"), namespace: "strict-ns" });

  it("--preview=off: /preview answers 404 saying why, /mutate still answers", async () => {
    const harness = await startHarness({ policies: POLICIES, defaultPolicy: "strict", preview: "off" });
    try {
      const res = await harness.client.request("/preview", { object: pod("web", "strict-ns") });
      assert.equal(res.status, 404);
      assert.equal(res.json.message, "POST /preview is not served on this port: the preview is off (--preview=off)");
      assert.equal((await harness.client.request("/mutate", review())).json.response.allowed, true);
      assert.equal(harness.webhook.preview, undefined);
    } finally {
      await harness.close();
    }
  });

  it("--preview-port: /preview on its own listener only, /mutate only on the main one", async () => {
    const harness = await startHarness({ policies: POLICIES, defaultPolicy: "strict", previewPort: 0 });
    const previewClient = new WebhookClient(harness.webhook.preview!.address.port, harness.tls.ca.certPem);
    try {
      const previewPort = harness.webhook.preview!.address.port;
      assert.notEqual(previewPort, harness.webhook.address.port);
      const moved = await harness.client.request("/preview", { object: pod("web", "strict-ns") });
      assert.equal(moved.status, 404);
      assert.equal(moved.json.message, `POST /preview is not served on this port: the preview has its own listener (--preview-port 0)`);
      assert.equal((await harness.client.request("/mutate", review())).json.response.allowed, true);

      const previewed = await previewClient.request("/preview", { object: pod("web", "strict-ns") });
      assert.equal(previewed.status, 200);
      assert.equal(previewed.json.policy, "strict");
      const mutate = await previewClient.request("/mutate", review());
      assert.equal(mutate.status, 404);
      assert.equal(mutate.json.message, "POST /mutate is not served on this port: this listener serves POST /preview (--preview-port)");
      assert.equal((await previewClient.request("/healthz")).status, 200);
    } finally {
      previewClient.close();
      await harness.close();
    }
  });

  it("parses --preview, --preview-port, --preview-host and --max-connections, flags or variables", () => {
    const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseServeOptions(["--policies", "p", ...argv], env) as ServeOptions;
    const defaults = parse([]);
    assert.deepEqual([defaults.preview, defaults.previewPort, defaults.previewHost, defaults.maxConnections], ["on", undefined, undefined, 1000]);
    const o = parse(["--preview-port", "9443", "--preview-host", "127.0.0.1", "--max-connections", "200"]);
    assert.deepEqual([o.preview, o.previewPort, o.previewHost, o.maxConnections], ["on", 9443, "127.0.0.1", 200]);
    assert.equal(parse([], { SECURE_DEFAULTS_PREVIEW: "off" }).preview, "off");
    const fails = (argv: string[], message: string) => assert.throws(() => parse(argv), { message });
    fails(["--preview", "no"], '--preview must be "on" or "off", got "no"');
    fails(["--preview=off", "--preview-port", "9443"], "--preview-port serves the preview on its own port; it cannot go with --preview=off");
    fails(["--preview-port", "8443"], "--preview-port must differ from --port (both are 8443)");
    fails(["--preview-host", "127.0.0.1"], "--preview-host needs --preview-port");
    fails(["--max-connections", "0"], '--max-connections must be a whole number from 1 to 1000000, got "0"');
  });
});

describe("docs: the hardening options and figures (issue 14)", () => {
  const repo = join(import.meta.dirname, "..");
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const install = readFileSync(join(repo, "docs", "install.md"), "utf8");

  it("documents the flags in --help, README and docs/install.md", () => {
    for (const flag of ["--preview on|off", "--preview-port", "--preview-host", "--max-connections"]) assert.ok(USAGE.includes(flag), flag);
    for (const flag of ["--preview on\\|off", "--preview-port", "--preview-host", "--max-connections"]) assert.ok(readme.includes(flag), flag);
    for (const flag of ["--preview=off", "--preview-port", "--max-connections"]) assert.ok(install.includes(flag), flag);
  });

  it("lists the TLS 1.2 suites and the timeouts as the code has them", () => {
    for (const cipher of TLS12_CIPHERS) assert.ok(readme.includes(`\`${cipher}\``), cipher);
    assert.ok(readme.includes("TLS handshake 10 s,\n  request headers 10 s, a whole request 30 s; an idle keep-alive connection is closed after 95 s"));
    assert.ok(install.includes("a whole request 30 s, and closes an idle\n  keep-alive connection after 95 s"));
  });
});
