// `secure-defaults preview --user NAME --group NAME...`: policies with subjects are candidates only when
// granted to that user (with system:authenticated, and the ServiceAccount groups of a ServiceAccount
// user) or to the Pod's ServiceAccount in the namespace. Policies: the everyday import fixture.
import assert from "node:assert/strict";
import { runCli } from "./support/run-cli.js";

const POLICIES = "test/fixtures/import/everyday/imported.yaml";
const PODS = "test/fixtures/cli/identity/host-network-pods.yaml";
const HOST_NETWORK = 'policy "restricted" (hostNetwork): Host network is not allowed to be used';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function decisions(args: string[]) {
  const run = await runCli(["preview", "--policies", POLICIES, "-o", "json", ...args, PODS]);
  const entries = JSON.parse(run.stdout) as any[];
  return { status: run.status, got: entries.map((e) => [e.name, e.policy, e.violations.map((v: any) => v.message)]) };
}

describe("secure-defaults preview: --user and --group", () => {
  it("without --user: an authenticated user; the Pod's ServiceAccount still counts, a mirror Pod has none", async () => {
    assert.deepEqual(await decisions([]), {
      status: 1,
      got: [
        ["ingress-controller", "privileged", []],
        ["etcd-node-1", null, [HOST_NETWORK]],
      ],
    });
  });

  it("a ServiceAccount user gets its ServiceAccount groups, so the kube-system grant applies to its mirror Pod", async () => {
    assert.deepEqual(await decisions(["--user", "system:serviceaccount:kube-system:static-pods"]), {
      status: 0,
      got: [
        ["ingress-controller", "privileged", []],
        ["etcd-node-1", "privileged", []],
      ],
    });
  });

  it("--group is repeatable; system:masters may use every policy", async () => {
    assert.deepEqual((await decisions(["--user", "kubernetes-admin", "--group", "admins", "--group", "system:masters"])).status, 0);
    assert.deepEqual((await decisions(["--user", "kubelet", "--group", "system:nodes"])).got[1], ["etcd-node-1", null, [HOST_NETWORK]]);
  });

  it("a RoleBinding's grant stays in its namespace: the ingress ServiceAccount in another namespace is denied", async () => {
    const run = await runCli(["preview", "--policies", POLICIES, "--namespace", "shop", "--user", "alice", "-o", "patch", PODS]);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      [
        "denied: Pod/ingress-controller (namespace shop)",
        `  - spec.hostNetwork: ${HOST_NETWORK}`,
        "denied: Pod/etcd-node-1 (namespace shop)",
        `  - spec.hostNetwork: ${HOST_NETWORK}`,
        "",
      ].join("\n"),
    );
  });

  it("no policy granted at all: the denial says who asked and which policies are not granted", async () => {
    const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {serviceAccountName: web, containers: [{name: a, image: b}]}}}\n";
    const none = await runCli(["preview", "--policies", "test/fixtures/policies/warnings/subjects-empty.yaml", "--namespace", "shop", "--user", "alice", "-o", "patch", "-"], { stdin: deployment });
    assert.equal(none.status, 1);
    assert.equal(
      none.stderr,
      'denied: Deployment/d (namespace shop)\n  - spec.template.spec.serviceAccountName: no policy is granted to user "alice" (groups: system:authenticated) or to ServiceAccount "shop/web" in namespace "shop"; policies not granted to them: "nobody"\n',
    );
  });

  it("an empty --user or --group is a usage error (exit 2)", async () => {
    for (const args of [["--user", ""], ["--group", ""]]) {
      const run = await runCli(["preview", "--policies", POLICIES, ...args, PODS]);
      assert.equal(run.status, 2);
      assert.match(run.stderr, new RegExp(`^secure-defaults preview: ${args[0]} must not be empty\\n`));
    }
  });
});
