// The real `secure-defaults` process (src/cli/main.ts in a child process): the other CLI tests run the
// commands in this process (test/support/run-cli.ts), so these check what only a process has: its exit
// status, its standard input and output, and its environment ($KUBECONFIG). Each answers as the same
// command run in this process.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { USAGE } from "../src/cli/commands.js";
import { runCli } from "./support/run-cli.js";
import { removeDir, tempDir } from "./support/server-harness.js";
import { spawnCli } from "./support/spawn-cli.js";
import { StubWorkloadApiServer } from "./support/stub-workload-apiserver.js";

const F = "test/fixtures/cli";

describe("cli: the secure-defaults process", () => {
  it("--help: the usage on stdout, exit 0; no command: the same, exit 2", async () => {
    assert.deepEqual(await spawnCli(["--help"]), { status: 0, stdout: USAGE, stderr: "" });
    assert.deepEqual(await spawnCli([]), { status: 2, stdout: USAGE, stderr: "" });
  });

  it("an unknown command: exit 2 with the usage on stderr", async () => {
    const run = await spawnCli(["frobnicate"]);
    assert.deepEqual(run, { status: 2, stdout: "", stderr: `secure-defaults: unknown command "frobnicate"\n\n${USAGE}` });
    assert.deepEqual(await runCli(["frobnicate"]), run);
  });

  it('preview of a manifest piped into standard input ("-"): the patch on stdout, exit 0', async () => {
    const args = ["preview", "--policies", `${F}/policy.yaml`, "-o", "patch", "-"];
    const stdin = readFileSync(`${F}/pod.yaml`, "utf8");
    const run = await spawnCli(args, { stdin });
    const hardened = { runAsNonRoot: true, capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false };
    assert.deepEqual(run, { status: 0, stdout: `${JSON.stringify([{ op: "add", path: "/spec/containers/0/securityContext", value: hardened }])}\n`, stderr: "" });
    assert.deepEqual(await runCli(args, { stdin }), run);
  });

  it("bad input: exit 2 with the file and the problem on stderr", async () => {
    const args = ["preview", "--policies", `${F}/policy.yaml`, `${F}/broken.yaml`];
    const run = await spawnCli(args);
    assert.deepEqual(run, {
      status: 2,
      stdout: "",
      stderr: `secure-defaults preview: ${F}/broken.yaml: document 1: not valid YAML (line 8, column 1): Sequence item without - indicator\n`,
    });
    assert.deepEqual(await runCli(args), run);
  });

  describe("preview --cluster", () => {
    let stub: StubWorkloadApiServer;
    let dir: string;

    before(async () => {
      stub = new StubWorkloadApiServer();
      stub.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: "staging" } });
      await stub.start();
      dir = tempDir("sd-cli-process-");
    });

    after(async () => {
      await stub?.stop();
      removeDir(dir);
    });

    it("finds the kubeconfig through the process's $KUBECONFIG", async () => {
      const args = ["preview", "--cluster", "--namespace", "staging", "--policies", "policies/restricted.yaml"];
      const env = { KUBECONFIG: stub.kubeconfig(dir) };
      const run = await spawnCli(args, { env });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /\nnamespace staging \(not opted in: no secure-defaults\.io\/enabled=true label\)\n {2}no Pods and no workloads\n/);
      assert.deepEqual(await runCli(args, { env }), run);
    });
  });
});
