// `secure-defaults import` as a command: -o DIR writes one file per policy with its header, "-" reads
// standard input (YAML or JSON), bad input exits 2 naming the document and the field.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { runCli } from "./support/run-cli.js";
import { removeDir, tempDir } from "./support/server-harness.js";

const EVERYDAY = "test/fixtures/import/everyday";
const BAD = "test/fixtures/cli/import/bad-input.yaml";

describe("cli: secure-defaults import", () => {
  it("-o DIR writes DIR/<name>.yaml per policy, each the matching document of the stdout form", async () => {
    const dir = tempDir("sd-import-");
    try {
      const out = join(dir, "policies");
      const run = await runCli(["import", "-o", out, `${EVERYDAY}/cluster.yaml`]);
      assert.equal(run.status, 0);
      assert.equal(run.stdout, "");
      const notes = readFileSync(join(REPO_ROOT, EVERYDAY, "stderr.txt"), "utf8");
      assert.equal(run.stderr, `${notes}wrote ${out}/restricted.yaml\nwrote ${out}/privileged.yaml\n`);
      assert.deepEqual(readdirSync(out).sort(), ["privileged.yaml", "restricted.yaml"]);
      const documents = readFileSync(join(REPO_ROOT, EVERYDAY, "imported.yaml"), "utf8").split("---\n");
      assert.equal(readFileSync(join(out, "restricted.yaml"), "utf8"), documents[0]);
      assert.equal(readFileSync(join(out, "privileged.yaml"), "utf8"), documents[1]);
      assert.match(documents[0], /^# Imported by secure-defaults import from PodSecurityPolicy "restricted" \(test\/fixtures\/import\/everyday\/cluster\.yaml: document 1 items\[0\]\)\.\n/);
    } finally {
      removeDir(dir);
    }
  });

  it("examples/migration/policies/ is what -o writes for examples/migration/cluster.yaml (the README walkthrough)", async () => {
    const dir = tempDir("sd-import-");
    try {
      const run = await runCli(["import", "-o", dir, "examples/migration/cluster.yaml"]);
      assert.equal(run.status, 0);
      const committed = join(REPO_ROOT, "examples", "migration", "policies");
      assert.deepEqual(readdirSync(dir).sort(), readdirSync(committed).sort());
      for (const name of readdirSync(dir)) assert.equal(readFileSync(join(dir, name), "utf8"), readFileSync(join(committed, name), "utf8"), name);
    } finally {
      removeDir(dir);
    }
  });

  it('reads JSON from standard input with "-", and writes a PSP nobody is granted with subjects: [] and a comment', async () => {
    const psp = {
      apiVersion: "policy/v1beta1",
      kind: "PodSecurityPolicy",
      metadata: { name: "lonely" },
      spec: { runAsUser: { rule: "RunAsAny" }, seLinux: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" } },
    };
    const run = await runCli(["import", "-"], { stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items: [psp, { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } }] }) });
    assert.equal(run.status, 0);
    assert.equal(
      run.stderr,
      'skipped <stdin>: document 1 items[1] (Namespace "shop"): import reads only PodSecurityPolicies, ClusterRoles, Roles, ClusterRoleBindings and RoleBindings\n',
    );
    assert.equal(
      run.stdout,
      [
        '# Imported by secure-defaults import from PodSecurityPolicy "lonely" (<stdin>: document 1 items[0]).',
        "# No RoleBinding or ClusterRoleBinding in the input grants use of it: nobody could use it (subjects: []).",
        "apiVersion: secure-defaults.io/v1alpha1",
        "kind: SecureDefaultsPolicy",
        "metadata:",
        "  name: lonely",
        "spec:",
        "  runAsUser:",
        "    rule: RunAsAny",
        "  seLinux:",
        "    rule: RunAsAny",
        "  supplementalGroups:",
        "    rule: RunAsAny",
        "  fsGroup:",
        "    rule: RunAsAny",
        "  subjects: []",
        "",
      ].join("\n"),
    );
  });

  it("merges the grants of several bindings: everywhere wins over one namespace, namespaces are joined", async () => {
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "use-all" }, rules: [{ apiGroups: ["policy"], resources: ["podsecuritypolicies"], verbs: ["use"] }] };
    const bind = (kind: string, name: string, namespace: string | undefined, subjects: unknown[]) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "use-all" },
      subjects,
    });
    const psp = (name: string) => ({
      apiVersion: "policy/v1beta1",
      kind: "PodSecurityPolicy",
      metadata: { name },
      spec: { runAsUser: { rule: "RunAsAny" }, seLinux: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" } },
    });
    const input = [
      psp("a"),
      role,
      bind("RoleBinding", "b1", "team-b", [{ kind: "Group", name: "dev" }, { kind: "ServiceAccount", name: "ci", namespace: "tools" }]),
      bind("RoleBinding", "b2", "team-a", [{ kind: "Group", name: "dev" }, { kind: "User", name: "alice" }]),
      bind("ClusterRoleBinding", "c", undefined, [{ kind: "User", name: "alice" }]),
    ];
    const run = await runCli(["import", "-"], { stdin: input.map((o) => JSON.stringify(o)).join("\n---\n") });
    assert.equal(run.stderr, "");
    const [doc] = parseAllDocuments(run.stdout).map((d) => d.toJS());
    assert.deepEqual(doc.spec.subjects, [
      { kind: "User", name: "alice" },
      { kind: "Group", name: "dev", inNamespaces: ["team-a", "team-b"] },
      { kind: "ServiceAccount", name: "ci", namespace: "tools", inNamespaces: ["team-b"] },
    ]);
    assert.match(run.stdout, /^# Subjects from: RoleBinding "team-b\/b1", RoleBinding "team-a\/b2", ClusterRoleBinding "c"\.$/m);
  });

  it("bad input: exit 2, every problem with its document, object and field", async () => {
    const run = await runCli(["import", BAD]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, "");
    const at = `secure-defaults import: ${BAD}: document`;
    assert.equal(
      run.stderr,
      [
        `${at} 1 (PodSecurityPolicy "psp"): spec.runAsUser.ranges: at least one range is required when the rule is MustRunAs`,
        `${at} 2 (ClusterRoleBinding "crb"): roleRef.kind: must be ClusterRole (a ClusterRoleBinding cannot refer to a Role) (got "Role")`,
        `${at} 2 (ClusterRoleBinding "crb"): subjects[1].kind: unknown subject kind "Robot"; must be one of: User, Group, ServiceAccount`,
        `${at} 3 (RoleBinding "rb"): metadata.namespace: is required`,
        `${at} 3 (RoleBinding "rb"): roleRef: is required`,
        `${at} 4 (ClusterRole "cr"): rules[0].verbs: is required`,
        `${at} 4 (ClusterRole "cr"): rules[1].verbs: must be a list (got string "use")`,
        `${at} 5 (PodSecurityPolicy "wrong"): apiVersion: PodSecurityPolicy needs apiVersion policy/v1beta1 or extensions/v1beta1 (got "apps/v1")`,
        `${at} 6: kind: is required`,
        "",
      ].join("\n"),
    );
  });

  it("input without a PodSecurityPolicy, a missing file, no FILE: exit 2", async () => {
    const none = await runCli(["import", "-"], { stdin: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n" });
    assert.equal(none.status, 2);
    assert.equal(
      none.stderr,
      "secure-defaults import: no PodSecurityPolicy in the input: give the output of kubectl get psp,clusterroles,roles,clusterrolebindings,rolebindings -A -o yaml\n",
    );
    const missing = await runCli(["import", "nope.yaml"]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^secure-defaults import: nope\.yaml: cannot read: ENOENT/);
    const usage = await runCli(["import"]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^secure-defaults import: no input: give one or more FILEs, or "-" for standard input\n\nUsage: secure-defaults import \[-o DIR\] FILE\.\.\./);
  });
});
