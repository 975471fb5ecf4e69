// `secure-defaults preview --network NAMESPACE`: output formats, exit statuses and usage errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { assertValidNetworkPolicy } from "./support/network-policy-schema.js";
import { runCli } from "./support/run-cli.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "network", "both-with-extra-rules");
const POLICY = join(FIXTURE, "policy.yaml");

describe("cli: preview --network", () => {
  it("prints the fixture's NetworkPolicies as YAML under a comment naming namespace and policy", async () => {
    const run = await runCli(["preview", "--network", "team-a", "--policies", POLICY]);
    assert.equal(run.stdout, `# NetworkPolicies for namespace team-a, from policy both-with-extra-rules\n${readFileSync(join(FIXTURE, "networkpolicies.yaml"), "utf8")}`);
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
  });

  it("-o json: a v1 List of the same objects, each schema-valid", async () => {
    const run = await runCli(["preview", "--network=team-a", "--policies", POLICY, "-o", "json"]);
    assert.equal(run.status, 0, run.stderr);
    const list = JSON.parse(run.stdout);
    const expected = parseAllDocuments(readFileSync(join(FIXTURE, "networkpolicies.yaml"), "utf8")).map((d) => d.toJS());
    assert.deepEqual(list, { apiVersion: "v1", kind: "List", items: expected });
    for (const item of list.items) assertValidNetworkPolicy(item);
  });

  it("uses the namespace labels to choose the policy", async () => {
    const policies = join(REPO_ROOT, "examples", "network-isolation", "policies.yaml");
    const names = async (args: string[]) => {
      const run = await runCli(["preview", "--network", "shop", "--policies", policies, "-o", "json", ...args]);
      assert.equal(run.status, 0, run.stderr);
      return JSON.parse(run.stdout).items.map((o: { metadata: { name: string; annotations: Record<string, string> } }) => `${o.metadata.annotations["secure-defaults.io/policy"]}/${o.metadata.name}`);
    };
    assert.deepEqual(await names([]), ["isolated/secure-defaults-ingress", "isolated/secure-defaults-egress"], "first by name among unbound policies");
    assert.deepEqual(await names(["--label", "secure-defaults.io/policy=no-metadata"]), ["no-metadata/secure-defaults-egress"]);
  });

  it("refuses bad usage with exit 2 and the usage text", async () => {
    const cases: [string[], string][] = [
      [["--network", "shop"], "--policies PATH is required (a policy file or a folder of them)"],
      [["--network", "shop", "--policies", POLICY, "-o", "patch"], '-o must be yaml or json with --network, not "patch"'],
      [["--network", "shop", "--policies", POLICY, "pod.yaml"], '--network takes no FILE arguments (got "pod.yaml")'],
      [["--network", "shop", "--policies", POLICY, "--label", "novalue"], '--label must be KEY=VALUE, not "novalue"'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(["preview", ...args]);
      assert.equal(run.status, 2, args.join(" "));
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.startsWith(`secure-defaults preview: ${message}\n\nUsage: secure-defaults preview --network NAMESPACE`), run.stderr);
    }
  });

  it("reports a bad policy file with its location, exit 2", async () => {
    const run = await runCli(["preview", "--network", "shop", "--policies", join(REPO_ROOT, "test", "fixtures", "cli", "typo-policy.yaml")]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^secure-defaults preview: .*typo-policy\.yaml: document 1/);
  });

  it("--help shows the network usage; the plain preview --help mentions it", async () => {
    assert.match((await runCli(["preview", "--network", "--help"])).stdout, /^Usage: secure-defaults preview --network NAMESPACE --policies PATH/);
    assert.match((await runCli(["preview", "--help"])).stdout, /secure-defaults preview --network NAMESPACE --policies PATH \[--label KEY=VALUE \.\.\.\]/);
  });
});
