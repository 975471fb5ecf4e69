// `secure-defaults import` on fixture sets from everyday PSP practice (test/fixtures/import/<set>/):
// cluster.yaml (PSPs + RBAC as kubectl or Helm prints them) imports to exactly imported.yaml, with
// stderr.txt on standard error; and for every case of cases.yaml (object, namespace, identity) the
// imported policies decide as PSP decided with the PSPs and bindings (test/support/psp-reference.ts):
// the same policy, the same Pod and patch, the same denial.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { evaluateForRequest } from "../src/admission/admit.js";
import type { EvaluationResult, Policy } from "../src/engine/types.js";
import { parsePolicies } from "../src/policy/load.js";
import { authenticatedUser } from "../src/policy/subjects.js";
import { violationMessage } from "../src/engine/types.js";
import { readObjects } from "../src/cli/read-objects.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { ReferenceCluster } from "./support/psp-reference.js";
import { runCli } from "./support/run-cli.js";

const SETS = join("test", "fixtures", "import");

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Case {
  description: string;
  namespace: string;
  user?: string;
  groups?: string[];
  object: any;
  expect: { allowed: boolean; policy?: string; violations?: string[] };
}

/** The ServiceAccount of a Pod or pod template, as the ServiceAccount admission plugin leaves it. */
function serviceAccountOf(object: any): string {
  const spec = object.kind === "Pod" ? object.spec : object.spec.template.spec;
  return spec.serviceAccountName ?? "default";
}

const lines = (r: EvaluationResult) => r.violations.map((v) => `${v.path}: ${violationMessage(v)}`);

/** A policy's meaning: everything but its name, where it came from, its kind and its subjects. */
function meaning(p: Policy): Partial<Policy> {
  const rest: Partial<Policy> = { ...p };
  for (const key of ["name", "source", "kind", "subjects"] as const) delete rest[key];
  return rest;
}

for (const set of readdirSync(join(REPO_ROOT, SETS)).sort()) {
  const dir = join(SETS, set);
  const read = (file: string) => readFileSync(join(REPO_ROOT, dir, file), "utf8");
  const { description, cases } = parse(read("cases.yaml")) as { description: string; cases: Case[] };

  describe(`import: ${set} (${description})`, () => {
    const cluster = new ReferenceCluster(readObjects(read("cluster.yaml"), "cluster.yaml").map((o) => o.object));
    const imported = parsePolicies(read("imported.yaml"), join(dir, "imported.yaml")).policies;

    it("prints imported.yaml on stdout and stderr.txt on stderr, and exits 0", async () => {
      const run = await runCli(["import", join(dir, "cluster.yaml")]);
      assert.equal(run.stderr, read("stderr.txt"));
      assert.equal(run.stdout, read("imported.yaml"));
      assert.equal(run.status, 0);
    });

    it("writes one SecureDefaultsPolicy per PSP, named like it, with the same meaning", () => {
      assert.deepEqual(imported.map((p) => p.name), cluster.psps.map((p) => p.name));
      for (const policy of imported) {
        const psp = cluster.psps.find((p) => p.name === policy.name)!;
        assert.equal(policy.kind, "SecureDefaultsPolicy");
        assert.deepEqual(meaning(policy), meaning(psp), policy.name);
        assert.ok(policy.subjects, `${policy.name} has subjects (an empty list when nobody is granted)`);
      }
    });

    it("decides as PSP for every identity × namespace × ServiceAccount × object of the set", () => {
      const identities = [
        authenticatedUser(),
        authenticatedUser("alice", ["dev"]),
        authenticatedUser("log-admin"),
        authenticatedUser("kubernetes-admin", ["system:masters"]),
        authenticatedUser("system:serviceaccount:kube-system:replicaset-controller"),
        authenticatedUser("system:serviceaccount:ingress-nginx:ingress-nginx"),
        authenticatedUser("system:serviceaccount:monitoring:node-exporter"),
        { username: "system:anonymous", groups: ["system:unauthenticated"] },
      ];
      const namespaces = [...new Set(["default", "kube-system", "ingress-nginx", "monitoring", "logging", ...cases.map((c) => c.namespace)])];
      const serviceAccounts = ["default", "ingress-nginx", "node-exporter", "fluent-bit", "coredns"];
      const withServiceAccount = (object: any, name: string) => {
        const copy = structuredClone(object);
        (copy.kind === "Pod" ? copy.spec : copy.spec.template.spec).serviceAccountName = name;
        return copy;
      };
      let checked = 0;
      for (const c of cases) {
        for (const sa of serviceAccounts) {
          const object = withServiceAccount(c.object, sa);
          for (const namespace of namespaces) {
            for (const userInfo of identities) {
              const ours = evaluateForRequest(object, namespace, undefined, { policies: imported }, { operation: "CREATE", userInfo });
              const psp = cluster.decide(object, userInfo, sa, namespace);
              const what = `${c.description} / sa ${sa} / ns ${namespace} / ${userInfo.username}`;
              assert.equal(ours.policy, psp.policy, what);
              assert.deepEqual(ours.patch, psp.patch, what);
              if (psp.violations[0]?.policy) assert.deepEqual(ours.violations, psp.violations, what);
              else assert.equal(ours.allowed, psp.allowed, what);
              checked++;
            }
          }
        }
      }
      console.log(`      ${set}: ${checked} decisions compared with PSP's`);
    });

    for (const c of cases) {
      it(`decides as PSP: ${c.description}`, () => {
        const userInfo = authenticatedUser(c.user, c.groups);
        const ours = evaluateForRequest(c.object, c.namespace, undefined, { policies: imported }, { operation: "CREATE", userInfo });
        const psp = cluster.decide(c.object, userInfo, serviceAccountOf(c.object), c.namespace);

        assert.equal(ours.allowed, c.expect.allowed);
        assert.equal(ours.policy, c.expect.policy);
        if (c.expect.violations) assert.deepEqual(lines(ours), c.expect.violations);

        assert.equal(ours.allowed, psp.allowed, "PSP admits it too");
        assert.equal(ours.policy, psp.policy, "PSP chose the same policy");
        assert.deepEqual(ours.object, psp.object, "the same Pod");
        assert.deepEqual(ours.patch, psp.patch, "the same patch");
        assert.deepEqual(ours.violations, psp.violations, "the same denial");
      });
    }
  });
}
