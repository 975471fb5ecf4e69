// The `secure-defaults preview` contract: every output mode, every exit status, workload kinds, stdin
// and bad input. Expectations are exact.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import request from "supertest";
import { runCli } from "./support/run-cli.js";
import { LogCapture } from "./support/server-harness.js";
import { RUN_AS_NON_ROOT_WARNING } from "../src/engine/run-as-non-root-warning.js";
import { createLogger } from "../src/logging/logger.js";
import { createMetrics } from "../src/metrics/metrics.js";
import { loadPolicies } from "../src/policy/load.js";
import { createApp } from "../src/server/app.js";

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
    it("judges a sourceless volume as the API server's emptyDir, lists the default, and patches only the policy's changes", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/sourceless-volume.yaml`]);
      assert.equal(run.stderr, "");
      assert.equal(run.status, 0);
      const [entry] = JSON.parse(run.stdout);
      assert.equal(entry.allowed, true);
      assert.deepEqual(entry.patch, [{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }]);
      assert.deepEqual(entry.object.spec.volumes, [{ name: "scratch" }]);
      assert.deepEqual(entry.apiDefaults, [{ path: "spec.volumes[0].emptyDir", value: {}, message: 'volume "scratch" has no source: the API server makes it an emptyDir' }]);
    });

    it("prints one element per object with the exact patch, object and reasons", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/pod.yaml`]);
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

    it("patches workload pod templates in place and admits compliant ones unchanged", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "--namespace", "team-a", "-o", "json", `${F}/workloads.yaml`]);
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

    it("expands a v1 List and keeps input order", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/list.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      const entries = JSON.parse(run.stdout);
      assert.deepEqual(entries.map((e: { name: string; patch: unknown[] }) => [e.name, e.patch.length]), [["one", 1], ["two", 0]]);
    });

    it("reports a denial with field paths and exits 1, leaving the object unchanged", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "json", `${F}/privileged-pod.json`]);
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
    it("prints the resulting objects as multi-document YAML in input order", async () => {
      const run = await runCli(["preview", "--policies", POLICY, `${F}/pod.yaml`, `${F}/workloads.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
      assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ["Pod/web", "Deployment/api", "CronJob/nightly"]);
      assert.deepEqual(docs[0].spec.containers[0].securityContext, HARDENED);
    });

    it("prints denials on stderr and exits 1", async () => {
      const run = await runCli(["preview", "--policies", POLICY, `${F}/pod.yaml`, `${F}/privileged-pod.json`]);
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        'denied: Pod/root\n  - spec.containers[0].securityContext.privileged: policy "team" (privileged): Privileged containers are not allowed\n',
      );
      assert.equal(parseAllDocuments(run.stdout).length, 2);
    });
  });

  describe("-o patch", () => {
    it("prints one JSON patch per object, one per line", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "patch", `${F}/list.yaml`]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(
        run.stdout,
        `${JSON.stringify([{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }])}\n[]\n`,
      );
    });
  });

  describe("input", () => {
    it('reads standard input for "-"', async () => {
      const run = await runCli(["preview", "--policies", POLICY, "-o", "patch", "-"], { stdin: readFileSync(`${F}/pod.yaml`, "utf8") });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, `${JSON.stringify([{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }])}\n`);
    });

    it("takes a folder of policies", async () => {
      const run = await runCli(["preview", "--policies", "policies", "--namespace", "x", "-o", "json", `${F}/pod.yaml`]);
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
      it(name, async () => {
        const run = await runCli(["preview", ...args], { stdin: name === "a non-object document" ? "just a string\n" : undefined });
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, "");
      });
    }
  });

  describe("--operation UPDATE", () => {
    it("never patches: a Pod that would need defaults is denied with what it lacks", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "--operation", "UPDATE", "-o", "json", `${F}/pod.yaml`]);
      assert.equal(run.status, 1);
      const [entry] = JSON.parse(run.stdout);
      assert.deepEqual(entry.patch, []);
      assert.deepEqual(
        entry.violations.map((v: { path: string }) => v.path),
        HARDENING_REASONS("").map((r) => r.path),
      );
    });

    it("admits an already compliant Pod unchanged", async () => {
      const run = await runCli(["preview", "--policies", POLICY, "--operation", "UPDATE", "-o", "patch", `${F}/list.yaml`]);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "[]\n[]\n");
      assert.match(run.stderr, /^denied: Pod\/one\n/);
    });
  });

  describe("--default-policy (as serve's: for namespaces no policy is bound to)", () => {
    // strict is bound to strict-ns, lenient to lenient-ns, storage to namespaces labelled tier=storage
    // (never offline): nothing applies to namespace apps.
    const SERVER_POLICIES = "test/fixtures/server/policies";
    const unbound = (...args: string[]) => runCli(["preview", "--policies", SERVER_POLICIES, ...args, `${F}/pod.yaml`]);
    const denied = {
      kind: "Pod",
      name: "web",
      namespace: "apps",
      allowed: false,
      policy: null,
      patch: [],
      object: webPod,
      reasons: [],
      violations: [{ path: "metadata.namespace", message: "no policy applies to this namespace, so nothing can admit the Pod" }],
      warnings: [],
      apiDefaults: [],
    };
    const byDefault = {
      ...denied,
      allowed: true,
      policy: "strict",
      patch: [{ op: "add", path: "/spec/containers/0/securityContext", value: HARDENED }],
      object: { ...webPod, spec: { containers: [{ ...webPod.spec.containers[0], securityContext: HARDENED }] } },
      reasons: HARDENING_REASONS(""),
      violations: [],
      warnings: [RUN_AS_NON_ROOT_WARNING],
    };

    it("without it, a Pod in a namespace no policy applies to is denied; with it, the default policy admits it", async () => {
      assert.deepEqual(await unbound("-o", "json"), { status: 1, stdout: `${JSON.stringify([denied], null, 2)}\n`, stderr: "" });
      assert.deepEqual(await unbound("--default-policy", "strict", "-o", "json"), { status: 0, stdout: `${JSON.stringify([byDefault], null, 2)}\n`, stderr: "" });
    });

    it("chooses as POST /preview (and so /mutate) of a webhook started with the same --default-policy", async () => {
      const policies = loadPolicies([SERVER_POLICIES]).policies;
      for (const defaultPolicy of [undefined, "strict"]) {
        const express = createApp({
          policies: () => policies,
          namespaceLabels: async () => undefined,
          readiness: () => ({ ok: true }),
          logger: createLogger({ level: "error", stream: new LogCapture().stream }),
          metrics: createMetrics({ defaultMetrics: false }),
          options: { defaultPolicy, onError: "deny" },
        });
        const { body } = await request(express).post("/preview").send({ object: webPod }).expect(200);
        const { response, mode, ...entry } = body;
        assert.equal(mode, "enforce");
        assert.equal(response.allowed, entry.allowed);
        const run = await unbound(...(defaultPolicy ? ["--default-policy", defaultPolicy] : []), "-o", "json");
        assert.deepEqual(JSON.parse(run.stdout), [entry], `--default-policy ${defaultPolicy}`);
      }
    });

    it("-o explain says the candidate is the default policy, and why", async () => {
      const run = await unbound("--default-policy", "strict", "-o", "explain");
      assert.equal(run.status, 0);
      assert.equal(
        run.stdout.split("\n")[3],
        '  policy: "strict"; 1 candidate: the default policy (--default-policy), as no policy bound to namespace "apps" or unbound applies (namespace labels are not read offline)',
      );
      const without = await unbound("-o", "explain");
      assert.equal(without.stdout.split("\n")[3], '  policy: none applies (the policies bound to namespace "apps" and the unbound ones (namespace labels are not read offline))');
    });

    it("a bound policy still wins over it", async () => {
      const run = await runCli(["preview", "--policies", SERVER_POLICIES, "--namespace", "lenient-ns", "--default-policy", "strict", "-o", "patch", `${F}/pod.yaml`]);
      assert.deepEqual(run, { status: 0, stdout: "[]\n", stderr: "" });
    });

    it("must name a loaded policy (as serve, which does not start otherwise, and preview --cluster): exit 2", async () => {
      assert.deepEqual(await unbound("--default-policy", "nope"), {
        status: 2,
        stdout: "",
        stderr: 'secure-defaults preview: --default-policy "nope" is not one of the loaded policies (lenient, storage, strict)\n',
      });
    });
  });

  it("--help prints usage and exits 0", async () => {
    const run = await runCli(["preview", "--help"]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: secure-defaults preview --policies PATH/);
  });
});
