// `secure-defaults preview -o explain`: the exact report for each shipped example (test/fixtures/explain),
// the policy choice among several candidates, exit codes as for the other outputs, and colour only on a
// terminal without NO_COLOR.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COLOUR, renderExplain, wantsColour, type ExplainReport } from "../src/preview/explain.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { runCli } from "./support/run-cli.js";

const EXPLAIN = join(REPO_ROOT, "test", "fixtures", "explain");
const expected = (name: string) => readFileSync(join(EXPLAIN, `${name}.txt`), "utf8");

const EXAMPLES: [name: string, exit: number][] = [
  ["drop-all-add-sys-time", 0],
  ["drop-all-allow-net-bind-service", 0],
  ["drop-chown", 0],
  ["fsgroup-supplemental-groups", 0],
  ["host-namespaces", 1],
  ["read-only-root-filesystem", 0],
  ["run-as-non-root", 0],
  ["run-as-user-405", 0],
];

describe("preview -o explain", () => {
  for (const [name, exit] of EXAMPLES) {
    it(`examples/${name}: the exact report (test/fixtures/explain/${name}.txt), exit ${exit}`, async () => {
      const run = await runCli(["preview", "--policies", `examples/${name}/policy.yaml`, "-o", "explain", `examples/${name}/pod.yaml`]);
      assert.equal(run.stdout, expected(name));
      assert.equal(run.stderr, "", "the report holds the violations; nothing is repeated on stderr");
      assert.equal(run.status, exit);
    });
  }

  it("the shipped policies: why privileged wins over baseline and restricted", async () => {
    const run = await runCli(["preview", "--policies", "policies", "-o", "explain", "examples/drop-chown/pod.yaml"]);
    assert.equal(run.stdout, expected("shipped-policies-drop-chown"));
    assert.equal(run.status, 0);
  });

  it("a warn-mode policy: the report shows what enforce mode would do, and the mode", async () => {
    const run = await runCli(["preview", "--policies", "examples/rollout/warn-mode.yaml", "-o", "explain", "examples/run-as-non-root/pod.yaml"]);
    assert.equal(run.stdout, expected("rollout-warn-mode"));
    assert.equal(run.status, 0);
  });

  it("on UPDATE a policy that would have to change the Pod loses, and says why", async () => {
    const run = await runCli(["preview", "--policies", "policies", "--operation", "UPDATE", "-o", "explain", "examples/run-as-non-root/pod.yaml"]);
    assert.match(run.stdout, /\n {4}restricted: lost: would have to change it \(8 changes\), and a Pod is not changed on UPDATE\n/);
    assert.match(run.stdout, /\n {4}privileged: chosen: admits it unchanged\n/);
  });

  it("several objects: one report each, separated by a blank line", async () => {
    const run = await runCli(["preview", "--policies", "examples/drop-chown/policy.yaml", "-o", "explain", "examples/drop-chown/pod.yaml", "examples/drop-chown/pod.yaml"]);
    assert.equal(run.stdout, `${expected("drop-chown")}\n${expected("drop-chown")}`);
  });

  it("bad input still exits 2, and -o names explain among the outputs", async () => {
    const run = await runCli(["preview", "--policies", "policies", "-o", "explained", "examples/drop-chown/pod.yaml"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^secure-defaults preview: -o must be yaml, json, patch or explain, not "explained"\n/);
  });

  describe("colour", () => {
    it("only on a terminal, and not when NO_COLOR is set (to anything but empty)", () => {
      assert.equal(wantsColour({ isTTY: true }, {}), true);
      assert.equal(wantsColour({ isTTY: true }, { NO_COLOR: "1" }), false);
      assert.equal(wantsColour({ isTTY: true }, { NO_COLOR: "" }), true);
      assert.equal(wantsColour({ isTTY: false }, {}), false);
      assert.equal(wantsColour({}, {}), false);
    });

    it("the command paints on a terminal (stdout's isTTY) unless NO_COLOR is set in its environment", async () => {
      const args = ["preview", "--policies", "examples/host-namespaces/policy.yaml", "-o", "explain", "examples/host-namespaces/pod.yaml"];
      const plain = expected("host-namespaces");
      const terminal = await runCli(args, { isTTY: true });
      assert.equal(terminal.status, 1);
      assert.notEqual(terminal.stdout, plain);
      const unpainted = ["0", "1", "2", "31", "32"].reduce((text, code) => text.replaceAll(`\u001b[${code}m`, ""), terminal.stdout);
      assert.equal(unpainted, plain, "the same report, painted");
      assert.ok(terminal.stdout.startsWith("\u001b[1mPod/"), terminal.stdout.split("\n")[0]);
      assert.equal((await runCli(args, { isTTY: true, env: { NO_COLOR: "1" } })).stdout, plain);
      assert.equal((await runCli(args, { isTTY: false })).stdout, plain);
    });

    it("paints the title bold, the verdicts green and red, the policy fields dim", () => {
      const report: ExplainReport = {
        title: "Pod/web",
        allowed: false,
        policy: null,
        mode: "enforce",
        candidatesFrom: "every loaded policy (no namespace given)",
        candidates: [{ policy: "p", chosen: false, detail: "denies it (1 violation)" }],
        changes: [],
        violations: [{ path: "spec.hostPID", message: 'policy "p" (hostPID): Host PID is not allowed to be used' }],
        warnings: [],
        levelBefore: "privileged",
        levelAfter: "privileged",
      };
      assert.equal(
        renderExplain(report, COLOUR),
        [
          "\u001b[1mPod/web\u001b[0m",
          "  result: \u001b[31mdenied (1 violation)\u001b[0m",
          "  mode: enforce",
          "  policy: none admits it; 1 candidate: every loaded policy (no namespace given)",
          "    p: denies it (1 violation)",
          "  violations:",
          "    \u001b[31mspec.hostPID\u001b[0m",
          '      policy "p" (hostPID): Host PID is not allowed to be used',
          "  Pod Security Standards: before: privileged (denied, so unchanged)",
          "",
        ].join("\n"),
      );
    });
  });
});
