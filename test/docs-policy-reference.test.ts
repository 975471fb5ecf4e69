// docs/policy-reference.md's `console` examples (the network default's preview) are run as written,
// and the example policies they use load without warnings.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicies } from "../src/policy/load.js";
import { consoleExamples } from "./support/console-examples.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { runCli } from "./support/run-cli.js";

describe("docs/policy-reference.md examples", () => {
  const found = consoleExamples(readFileSync(join(REPO_ROOT, "docs", "policy-reference.md"), "utf8"));
  it("has the network default's previews", () => assert.ok(found.filter((e) => e.args.includes("--network")).length >= 4));
  for (const example of found) {
    it(`secure-defaults ${example.args.join(" ")}`, async () => {
      const run = await runCli(example.args);
      assert.equal(run.stdout + run.stderr, example.output);
      assert.equal(run.status, example.exit);
    });
  }
  it("examples/network-isolation/policies.yaml loads without warnings", () => {
    const { policies, warnings } = loadPolicies([join(REPO_ROOT, "examples", "network-isolation", "policies.yaml")]);
    assert.deepEqual(policies.map((p) => [p.name, p.networkDefault?.ingress, p.networkDefault?.egress]), [
      ["isolated", "same-namespace", "dns-and-same-namespace"],
      ["no-metadata", undefined, "all-except-cloud-metadata"],
    ]);
    assert.deepEqual(warnings, []);
  });
});
