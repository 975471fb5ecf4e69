// The `secure-defaults preview` contract: every output mode, every exit status, workload kinds, stdin
// and bad input. Expectations are exact.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { runCli } from "./support/run-cli.js";
import { RUN_AS_NON_ROOT_WARNING } from "../src/engine/run-as-non-root-warning.js";

const F = "test/fixtures/cli";
const POLICY = `${F}/policy.yaml`;

/** What policy "team" gives a container that sets nothing. */
const HARDENED = { runAsNonRoot: true, capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false };
const HARDENING_REASONS = (prefix: string) => [
  { path: `${prefix}spec.containers[0].securityContext.runAsNonRoot`, field: "runAsUser.rule", message: "set runAsNonRoot to true (runAsUser rule MustRunAsNonRoot)" },
  { path: `${prefix}spec.containers[0].securityContext.capabilities`, field: "requiredDropCapabilities", message: "set capabilities to drop [ALL] (requiredDropCapabilities [ALL])" },
  { path: `${prefix}spec.containers[0].securityContext.allowPrivilegeEscalation`, field: "allowPrivilegeEscalation", message: "set allowPrivilegeEscalation to false (allowPrivilegeEscalation: false)" },
];

const webPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "apps" },
  spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
};

describe("secure-defaults preview", () => {
  describe("-o json", () => {
    it("judges a sourceless volume as the API server's emptyDir, lists the default, and patches only the policy's changes", () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/sourceless-volume.yaml`]);
      assert.equal(run.stderr, "");
      assert.equal(run.status, 0);
      const [entry] = JSON.parse(run.stdout);
      assert.equal(entry.allowed, true);
      assert.deepEqual(entry.patch, [{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }]);
      assert.deepEqual(entry.object.spec.volumes, [{ name: "scratch" }]);
      assert.deepEqual(entry.apiDefaults, [{ path: "spec.volumes[0].emptyDir", value: {}, message: 'volume "scratch" has no source: the API server makes it an emptyDir' }]);
    });

    it("prints one element per object with the exact patch, object and reasons", () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/pod.yaml`]);
      assert.equal(run.stderr, "");
      assert.equal(run.status, 0);
      const hardened = { ...webPod, spec: { containers: [{ ...webPod.spec.containers[0], securityContext: HARDENED }] } };
      assert.deepEqual(JSON.parse(run.stdout), [
        {
          kind: "Pod",
          name: "web",
          namespace: "apps",
          allowed: true,
          policy: "team",
          patch: [{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }],
          object: hardened,
          reasons: HARDENING_REASONS(""),
          violations: [],
          warnings: [RUN_AS_NON_ROOT_WARNING],
          apiDefaults: [],
        },
      ]);
    });

    it("patches workload pod templates in place and admits compliant ones unchanged", () => {
      const run = runCli(["preview", "--policies", POLICY, "--namespace", "team-a", "-o", "json", `${F}/workloads.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      const [deployment, cronjob] = JSON.parse(run.stdout);
      assert.deepEqual(
        { kind: deployment.kind, name: deployment.name, namespace: deployment.namespace, policy: deployment.policy, patch: deployment.patch },
        {
          kind: "Deployment",
          name: "api",
          namespace: "team-a",
          policy: "team",
          patch: [{ op: "add", path: "/spec/template/spec/containers/0/securityContext", value: HARDENED }],
        },
      );
      assert.deepEqual(deployment.reasons, HARDENING_REASONS("spec.template."));
      assert.deepEqual(deployment.object.spec.template.spec.containers[0].securityContext, HARDENED);
      assert.deepEqual(
        { kind: cronjob.kind, allowed: cronjob.allowed, patch: cronjob.patch, reasons: cronjob.reasons },
        { kind: "CronJob", allowed: true, patch: [], reasons: [] },
      );
    });

    it("expands a v1 List and keeps input order", () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/list.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      const entries = JSON.parse(run.stdout);
      assert.deepEqual(entries.map((e: { name: string; patch: unknown[] }) => [e.name, e.patch.length]), [["one", 1], ["two", 0]]);
    });

    it("reports a denial with field paths and exits 1, leaving the object unchanged", () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/privileged-pod.json`]);
      assert.equal(run.status, 1);
      const [entry] = JSON.parse(run.stdout);
      const input = JSON.parse(readFileSync(`${F}/privileged-pod.json`, "utf8"));
      assert.deepEqual(entry, {
        kind: "Pod",
        name: "root",
        namespace: "",
        allowed: false,
        policy: null,
        patch: [],
        object: input,
        reasons: [],
        violations: [
          { path: "spec.containers[0].securityContext.privileged", message: 'policy "team" (privileged): Privileged containers are not allowed' },
        ],
        warnings: [],
        apiDefaults: [],
      });
    });
  });

  describe("-o yaml (default)", () => {
    it("prints the resulting objects as multi-document YAML in input order", () => {
      const run = runCli(["preview", "--policies", POLICY, `${F}/pod.yaml`, `${F}/workloads.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
      assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ["Pod/web", "Deployment/api", "CronJob/nightly"]);
      assert.deepEqual(docs[0].spec.containers[0].securityContext, HARDENED);
    });

    it("prints denials on stderr and exits 1", () => {
      const run = runCli(["preview", "--policies", POLICY, `${F}/pod.yaml`, `${F}/privileged-pod.json`]);
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        'denied: Pod/root\n  - spec.containers[0].securityContext.privileged: policy "team" (privileged): Privileged containers are not allowed\n',
      );
      assert.equal(parseAllDocuments(run.stdout).length, 2);
    });
  });

  describe("-o patch", () => {
    it("prints one JSON patch per object, one per line", () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "patch", `${F}/list.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(
        run.stdout,
        `${JSON.stringify([{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }])}\n[]\n`,
      );
    });
  });

  describe("input", () => {
    it('reads standard input for "-"', () => {
      const run = runCli(["preview", "--policies", POLICY, "-o", "patch", "-"], readFileSync(`${F}/pod.yaml`, "utf8"));
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, `${JSON.stringify([{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }])}\n`);
    });

    it("takes a folder of policies", () => {
      const run = runCli(["preview", "--policies", "policies", "--namespace", "x", "-o", "json", `${F}/pod.yaml`]);
      assert.ok(run.status === 0 || run.status === 1, run.stderr);
      assert.equal(JSON.parse(run.stdout).length, 1);
    });
  });

  describe("bad input exits 2 with a message naming the file and the problem", () => {
    const cases: [string, string[], RegExp][] = [
      ["broken YAML", ["--policies", POLICY, `${F}/broken.yaml`], /test\/fixtures\/cli\/broken\.yaml: document 1: not valid YAML \(line 8, column 1\): Sequence item without - indicator\n/],
      ["an unsupported kind", ["--policies", POLICY, `${F}/service.yaml`], /service\.yaml: document 1: kind: kind Service is not supported \(supported: Pod, Deployment/],
      ["a policy with a typo'd field", ["--policies", `${F}/typo-policy.yaml`, `${F}/pod.yaml`], /typo-policy\.yaml.*allowedCapabilites/],
      ["a missing input file", ["--policies", POLICY, `${F}/nope.yaml`], /nope\.yaml: cannot read/],
      ["a missing policy path", ["--policies", `${F}/nope-policies`, `${F}/pod.yaml`], /nope-policies/],
      ["no --policies", [`${F}/pod.yaml`], /--policies PATH is required/],
      ["a bad -o", ["--policies", POLICY, "-o", "xml", `${F}/pod.yaml`], /-o must be yaml, json, patch or explain, not "xml"/],
      ["a bad --operation", ["--policies", POLICY, "--operation", "DELETE", `${F}/pod.yaml`], /--operation must be CREATE or UPDATE/],
      ["an unknown flag", ["--policies", POLICY, "--nope", `${F}/pod.yaml`], /Unknown option '--nope'/],
      ["no input file", ["--policies", POLICY], /no input/],
      ["a non-object document", ["--policies", POLICY, "-"], /<stdin>: document 1: expected a Kubernetes object/],
      ["a wrongly typed security field", ["--policies", POLICY, `${F}/wrong-type.yaml`], /wrong-type\.yaml: document 1: 1 field has the wrong type: spec\.hostPID must be a boolean, not the string "true"\n/],
    ];
    for (const [name, args, message] of cases) {
      it(name, () => {
        const run = runCli(["preview", ...args], name === "a non-object document" ? "just a string\n" : undefined);
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, "");
      });
    }
  });

  describe("--operation UPDATE", () => {
    it("never patches: a Pod that would need defaults is denied with what it lacks", () => {
      const run = runCli(["preview", "--policies", POLICY, "--operation", "UPDATE", "-o", "json", `${F}/pod.yaml`]);
      assert.equal(run.status, 1);
      const [entry] = JSON.parse(run.stdout);
      assert.deepEqual(entry.patch, []);
      assert.deepEqual(
        entry.violations.map((v: { path: string }) => v.path),
        HARDENING_REASONS("").map((r) => r.path),
      );
    });

    it("admits an already compliant Pod unchanged", () => {
      const run = runCli(["preview", "--policies", POLICY, "--operation", "UPDATE", "-o", "patch", `${F}/list.yaml`]);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "[]\n[]\n");
      assert.match(run.stderr, /^denied: Pod\/one\n/);
    });
  });

  it("--help prints usage and exits 0", () => {
    const run = runCli(["preview", "--help"]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: secure-defaults preview --policies PATH/);
  });
});
