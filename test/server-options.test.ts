// `secure-defaults serve` options: flags, SECURE_DEFAULTS_* variables (flags win), validation with clear
// messages and exit status 2, --help.
import assert from "node:assert/strict";
import { OptionsError, parseServeOptions, run, USAGE, type ServeOptions } from "../src/cli/serve.js";
import { bufferIo } from "./support/buffer-io.js";

function parse(argv: string[], env: NodeJS.ProcessEnv = {}): ServeOptions {
  const options = parseServeOptions(argv, env);
  assert.notEqual(options, "help");
  return options as ServeOptions;
}

function fails(argv: string[], message: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(() => parseServeOptions(argv, env), (e: unknown) => e instanceof OptionsError && message.test(e.message));
}

describe("serve: options", () => {
  it("has defaults: port 8443, on-error deny, info logs, development certificates, no cluster", () => {
    const o = parse(["--policies", "policies"]);
    assert.deepEqual(o.policies, ["policies"]);
    assert.equal(o.port, 8443);
    assert.equal(o.onError, "deny");
    assert.equal(o.logLevel, "info");
    assert.equal(o.tls, undefined);
    assert.equal(o.cluster, undefined);
    assert.equal(o.defaultPolicy, undefined);
    assert.equal(o.shutdownDelayMs, 0);
    assert.equal(o.shutdownTimeoutMs, 20_000);
  });

  it("reads every flag; --policies repeats", () => {
    const o = parse([
      "--policies", "a", "--policies", "b.yaml", "--port", "9443", "--host", "127.0.0.1", "--tls-cert", "c.crt", "--tls-key", "c.key",
      "--default-policy", "restricted", "--on-error", "allow", "--log-level", "debug", "--kubeconfig", "kc", "--shutdown-delay", "5", "--shutdown-timeout", "1.5",
    ]);
    assert.deepEqual(o.policies, ["a", "b.yaml"]);
    assert.equal(o.port, 9443);
    assert.equal(o.host, "127.0.0.1");
    assert.deepEqual(o.tls, { certPath: "c.crt", keyPath: "c.key" });
    assert.equal(o.defaultPolicy, "restricted");
    assert.equal(o.onError, "allow");
    assert.equal(o.logLevel, "debug");
    assert.deepEqual(o.cluster, { kubeconfig: "kc" });
    assert.equal(o.shutdownDelayMs, 5000);
    assert.equal(o.shutdownTimeoutMs, 1500);
  });

  it("reads SECURE_DEFAULTS_* variables; a policies list may be comma- or colon-separated", () => {
    const o = parse([], {
      SECURE_DEFAULTS_POLICIES: "a,b:c",
      SECURE_DEFAULTS_PORT: "10443",
      SECURE_DEFAULTS_TLS_CERT: "t.crt",
      SECURE_DEFAULTS_TLS_KEY: "t.key",
      SECURE_DEFAULTS_DEFAULT_POLICY: "baseline",
      SECURE_DEFAULTS_ON_ERROR: "allow",
      SECURE_DEFAULTS_LOG_LEVEL: "warn",
      SECURE_DEFAULTS_KUBECONFIG: "kc",
    });
    assert.deepEqual(o.policies, ["a", "b", "c"]);
    assert.equal(o.port, 10443);
    assert.deepEqual(o.tls, { certPath: "t.crt", keyPath: "t.key" });
    assert.equal(o.defaultPolicy, "baseline");
    assert.equal(o.onError, "allow");
    assert.equal(o.logLevel, "warn");
    assert.deepEqual(o.cluster, { kubeconfig: "kc" });
  });

  it("lets flags win over variables", () => {
    const o = parse(["--policies", "flag", "--port", "1", "--on-error", "deny"], { SECURE_DEFAULTS_POLICIES: "env", SECURE_DEFAULTS_PORT: "2", SECURE_DEFAULTS_ON_ERROR: "allow" });
    assert.deepEqual(o.policies, ["flag"]);
    assert.equal(o.port, 1);
    assert.equal(o.onError, "deny");
  });

  it("uses the service account in a Pod only when its token is mounted", () => {
    const o = parse(["--policies", "p"], { KUBERNETES_SERVICE_HOST: "10.0.0.1" });
    // This machine has no /var/run/secrets/kubernetes.io/serviceaccount/token.
    assert.equal(o.cluster, undefined);
  });

  const invalid: [string, string[], RegExp][] = [
    ["no policies", [], /no policies: pass --policies PATH \(a file or a directory\) or set SECURE_DEFAULTS_POLICIES/],
    ["a bad port", ["--policies", "p", "--port", "http"], /--port must be a whole number from 0 to 65535, got "http"/],
    ["a port out of range", ["--policies", "p", "--port", "70000"], /--port must be a whole number from 0 to 65535/],
    ["a certificate without key", ["--policies", "p", "--tls-cert", "c"], /--tls-cert and --tls-key go together/],
    ["a key without certificate", ["--policies", "p", "--tls-key", "k"], /--tls-cert and --tls-key go together/],
    ["a bad --on-error", ["--policies", "p", "--on-error", "ignore"], /--on-error must be "deny" or "allow", got "ignore"/],
    ["a bad --log-level", ["--policies", "p", "--log-level", "verbose"], /--log-level must be one of error, warn, info, debug, got "verbose"/],
    ["an unknown flag", ["--policies", "p", "--polices", "q"], /Unknown option '--polices'/],
    ["a flag without value", ["--policies", "p", "--port"], /Option '--port <value>' argument missing/],
    ["an empty value", ["--policies", "p", "--default-policy", ""], /--default-policy needs a value/],
    ["a stray argument", ["--policies", "p", "extra"], /unexpected argument "extra"/],
    ["a bad shutdown timeout", ["--policies", "p", "--shutdown-timeout", "soon"], /--shutdown-timeout must be a number of seconds/],
  ];
  for (const [what, argv, message] of invalid) {
    it(`rejects ${what} with a clear message`, () => fails(argv, message));
  }
  it("rejects a bad variable as clearly as a bad flag", () => fails(["--policies", "p"], /--port must be a whole number/, { SECURE_DEFAULTS_PORT: "x" }));

  describe("run()", () => {
    /** Runs `serve` with stdout and stderr captured (only while it runs, so mocha's own output is not). */
    async function captured(argv: string[]): Promise<{ code: number; written: string }> {
      const original = { out: process.stdout.write, err: process.stderr.write };
      let written = "";
      const capture = (chunk: string | Uint8Array) => {
        written += chunk.toString();
        return true;
      };
      process.stdout.write = capture as typeof process.stdout.write;
      process.stderr.write = capture as typeof process.stderr.write;
      try {
        return { code: await run(argv), written };
      } finally {
        process.stdout.write = original.out;
        process.stderr.write = original.err;
      }
    }

    it("exits 2 on invalid options, pointing at --help", async () => {
      const { code, written } = await captured(["--policies", "p", "--on-error", "maybe"]);
      assert.equal(code, 2);
      assert.match(written, /^secure-defaults serve: --on-error must be "deny" or "allow", got "maybe"\nRun "secure-defaults serve --help" for the options.\n$/);
    });

    it("reads SECURE_DEFAULTS_* from the io's environment and writes its messages to the io", async () => {
      const io = bufferIo({ env: { SECURE_DEFAULTS_PORT: "x" } });
      assert.equal(await run(["--policies", "p"], io), 2);
      assert.equal(io.stdout.text, "");
      assert.equal(io.stderr.text, 'secure-defaults serve: --port must be a whole number from 0 to 65535, got "x"\nRun "secure-defaults serve --help" for the options.\n');
    });

    it("prints --help and exits 0", async () => {
      const { code, written } = await captured(["--help"]);
      assert.equal(code, 0);
      assert.equal(written, USAGE);
      for (const flag of ["--policies", "--port", "--tls-cert", "--tls-key", "--default-policy", "--on-error", "--log-level", "--kubeconfig", "SECURE_DEFAULTS_POLICIES"]) {
        assert.ok(USAGE.includes(flag), flag);
      }
    });

    it("exits 1 when it cannot start (policies that do not load)", async () => {
      const { code, written } = await captured(["--policies", "/nonexistent/policies", "--port", "0", "--host", "127.0.0.1", "--log-level", "error"]);
      assert.equal(code, 1);
      assert.match(written, /secure-defaults serve: cannot start: .*\/nonexistent\/policies/);
    });
  });
});
