// The policy loader: every rule's exact message (fixtures under test/fixtures/policies/invalid and
// warnings carry their expected lines as `# error:` / `# warning:` comments), PSP defaults, both kinds,
// Lists, JSON, folders, duplicates, and the shipped policies and examples.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import type { Policy } from "../src/engine/types.js";
import { loadPolicies, parsePolicies, PolicyLoadError } from "../src/policy/load.js";
import { ENGINE_FIXTURES, loadFixtureCases, REPO_ROOT } from "./support/fixture-cases.js";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "policies");
const rel = (path: string) => relative(REPO_ROOT, path);

/** The `# <tag>: ...` lines of a fixture, each prefixed with the file as the loader names it. */
function expectedLines(file: string, tag: "error" | "warning"): string[] {
  const prefix = `# ${tag}: `;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => `${rel(file)}: ${line.slice(prefix.length)}`);
}

function loadError(run: () => unknown): PolicyLoadError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PolicyLoadError, `expected a PolicyLoadError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a PolicyLoadError");
}

const fixtureFiles = (dir: string) => readdirSync(join(FIXTURES, dir)).sort().map((name) => join(FIXTURES, dir, name));

const MINIMAL_PSP = `
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: minimal}
spec:
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
`;

describe("policy loading", () => {
  describe("invalid policies: every problem, with its exact message", () => {
    for (const file of fixtureFiles("invalid")) {
      it(rel(file), () => {
        const expected = expectedLines(file, "error");
        assert.ok(expected.length > 0, "the fixture names its expected errors");
        const error = loadError(() => parsePolicies(readFileSync(file, "utf8"), rel(file)));
        assert.equal(error.message, expected.join("\n"));
        assert.equal(error.issues.length, expected.length);
      });
    }
  });

  describe("warnings: loaded, with the exact warnings", () => {
    for (const file of fixtureFiles("warnings")) {
      it(rel(file), () => {
        const expected = expectedLines(file, "warning");
        assert.ok(expected.length > 0, "the fixture names its expected warnings");
        const loaded = parsePolicies(readFileSync(file, "utf8"), rel(file));
        assert.equal(loaded.policies.length, 1);
        assert.deepEqual(loaded.warnings, expected);
      });
    }
  });

  describe("valid policies load without warnings", () => {
    for (const file of fixtureFiles("valid")) {
      it(rel(file), () => {
        const loaded = loadPolicies([rel(file)]);
        assert.ok(loaded.policies.length > 0);
        assert.deepEqual(loaded.warnings, []);
      });
    }
  });

  describe("defaults (policy/v1beta1)", () => {
    it("fills in every default of a minimal PodSecurityPolicy", () => {
      const { policies, warnings } = parsePolicies(MINIMAL_PSP, "minimal.yaml");
      const expected: Policy = {
        name: "minimal",
        source: "minimal.yaml#1",
        kind: "PodSecurityPolicy",
        privileged: false,
        defaultAddCapabilities: [],
        requiredDropCapabilities: [],
        allowedCapabilities: [],
        volumes: [],
        hostNetwork: false,
        hostIPC: false,
        hostPID: false,
        hostPorts: [],
        seLinux: { rule: "RunAsAny" },
        runAsUser: { rule: "RunAsAny", ranges: [] },
        runAsGroup: { rule: "RunAsAny", ranges: [] },
        supplementalGroups: { rule: "RunAsAny", ranges: [] },
        fsGroup: { rule: "RunAsAny", ranges: [] },
        readOnlyRootFilesystem: false,
        allowPrivilegeEscalation: true,
        allowedHostPaths: [],
        allowedFlexVolumes: [],
        allowedCSIDrivers: [],
        allowedUnsafeSysctls: [],
        forbiddenSysctls: [],
        allowedProcMountTypes: [],
        seccomp: {},
        appArmor: {},
      };
      assert.deepEqual(policies, [expected]);
      assert.equal(warnings.length, 1, "no volume type allowed: the token volume warning");
    });

    it("treats null like an absent field, as the API server did", () => {
      const text = MINIMAL_PSP + "  privileged: null\n  allowPrivilegeEscalation: ~\n  volumes:\n  runAsGroup: null\n";
      const [policy] = parsePolicies(text, "nulls.yaml").policies;
      assert.equal(policy.privileged, false);
      assert.equal(policy.allowPrivilegeEscalation, true);
      assert.deepEqual(policy.volumes, []);
      assert.deepEqual(policy.runAsGroup, { rule: "RunAsAny", ranges: [] });
    });

    it("keeps what is given: strategies, seLinuxOptions, host paths, runtime class, defaultAllowPrivilegeEscalation", () => {
      const text = `
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: full}
spec:
  allowPrivilegeEscalation: false
  defaultAllowPrivilegeEscalation: false
  runAsUser: {rule: MustRunAs, ranges: [{min: 100, max: 200}, {min: 5, max: 5}]}
  runAsGroup: {rule: MustRunAs, ranges: [{min: 300, max: 300}]}
  seLinux: {rule: MustRunAs, seLinuxOptions: {level: "s0:c1,c2", type: spc_t}}
  supplementalGroups: {rule: MayRunAs, ranges: [{min: 1, max: 10}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 2000, max: 2000}]}
  volumes: [hostPath, projected]
  allowedHostPaths: [{pathPrefix: /var/log, readOnly: true}, {pathPrefix: /data}]
  runtimeClass: {allowedRuntimeClassNames: ["*"], defaultRuntimeClassName: gvisor}
  allowedProcMountTypes: [Default, Unmasked]
`;
      const { policies, warnings } = parsePolicies(text, "full.yaml");
      const [p] = policies;
      assert.deepEqual(warnings, []);
      assert.equal(p.allowPrivilegeEscalation, false);
      assert.equal(p.defaultAllowPrivilegeEscalation, false);
      assert.deepEqual(p.runAsUser, { rule: "MustRunAs", ranges: [{ min: 100, max: 200 }, { min: 5, max: 5 }] });
      assert.deepEqual(p.runAsGroup, { rule: "MustRunAs", ranges: [{ min: 300, max: 300 }] });
      assert.deepEqual(p.seLinux, { rule: "MustRunAs", seLinuxOptions: { level: "s0:c1,c2", type: "spc_t" } });
      assert.deepEqual(p.supplementalGroups, { rule: "MayRunAs", ranges: [{ min: 1, max: 10 }] });
      assert.deepEqual(p.allowedHostPaths, [
        { pathPrefix: "/var/log", readOnly: true },
        { pathPrefix: "/data", readOnly: false },
      ]);
      assert.deepEqual(p.runtimeClass, { allowedRuntimeClassNames: ["*"], defaultRuntimeClassName: "gvisor" });
      assert.deepEqual(p.allowedProcMountTypes, ["Default", "Unmasked"]);
    });

    it("a runtimeClass without names allows only Pods without a runtime class", () => {
      const [p] = parsePolicies(MINIMAL_PSP + "  volumes: [secret]\n  runtimeClass: {}\n", "rc.yaml").policies;
      assert.deepEqual(p.runtimeClass, { allowedRuntimeClassNames: [] });
    });
  });

  describe("PodSecurityPolicy profile annotations", () => {
    const withAnnotations = (annotations: Record<string, string>) =>
      JSON.stringify({ ...parse(MINIMAL_PSP), metadata: { name: "p", annotations } });

    it("reads an exported PSP's annotations and ignores its other metadata", () => {
      const { policies, warnings } = loadPolicies([rel(join(FIXTURES, "valid", "exported-psp.yaml"))]);
      assert.deepEqual(warnings, []);
      const [p] = policies;
      assert.equal(p.name, "restricted");
      assert.equal(p.kind, "PodSecurityPolicy");
      assert.equal(p.binding, undefined);
      assert.deepEqual(p.seccomp, { defaultProfile: "runtime/default", allowedProfiles: ["docker/default", "runtime/default"] });
      assert.deepEqual(p.appArmor, { defaultProfile: "runtime/default", allowedProfiles: ["runtime/default"] });
      assert.equal(p.allowPrivilegeEscalation, false);
      assert.deepEqual(p.fsGroup, { rule: "MustRunAs", ranges: [{ min: 1, max: 65535 }] });
    });

    it("splits the allowed lists on commas without trimming, as PSP did", () => {
      const [p] = parsePolicies(withAnnotations({ "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default,*" }), "a.json").policies;
      assert.deepEqual(p.seccomp, { allowedProfiles: ["runtime/default", "*"] });
    });

    it("an empty allowed annotation is a list with one empty name; an empty default is no default", () => {
      const [p] = parsePolicies(
        withAnnotations({
          "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "",
          "seccomp.security.alpha.kubernetes.io/defaultProfileName": "",
        }),
        "a.json",
      ).policies;
      assert.deepEqual(p.seccomp, { allowedProfiles: [""] });
      assert.deepEqual(p.appArmor, {});
    });

    it("a non-string annotation value is an error", () => {
      const text = MINIMAL_PSP.replace("metadata: {name: minimal}", "metadata:\n  name: minimal\n  annotations:\n    seccomp.security.alpha.kubernetes.io/defaultProfileName: [runtime/default]");
      const error = loadError(() => parsePolicies(text, "a.yaml"));
      assert.equal(
        error.message,
        'a.yaml: document 1 (policy "minimal"): metadata.annotations[seccomp.security.alpha.kubernetes.io/defaultProfileName]: must be a string (got object ["runtime/default"])',
      );
    });
  });

  describe("SecureDefaultsPolicy", () => {
    it("podSecurityStandard: a level alone (the newest version), {level, version}, latest; userNamespaces", () => {
      const doc = (name: string, standard: string, extra = "") =>
        `apiVersion: secure-defaults.io/v1alpha1\nkind: SecureDefaultsPolicy\nmetadata: {name: ${name}}\nspec:\n  podSecurityStandard: ${standard}\n${extra}  runAsUser: {rule: RunAsAny}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n`;
      const text = [
        doc("level", "baseline"),
        doc("pinned", "{level: restricted, version: v1.30}", "  userNamespaces: {runAsUser: {rule: MustRunAs, ranges: [{min: 0, max: 0}]}, allowedProcMountTypes: [Default, Unmasked]}\n"),
        doc("latest", "{level: restricted, version: latest}"),
        doc("oldest", "{level: baseline, version: v1.0}"),
        doc("object-without-version", "{level: restricted}"),
      ].join("---\n");
      const { policies } = parsePolicies(text, "p.yaml");
      assert.deepEqual(
        policies.map((p) => [p.name, p.podSecurityStandard, p.podSecurityStandardVersion, p.userNamespaces]),
        [
          ["level", "baseline", undefined, undefined],
          ["pinned", "restricted", 30, { runAsUser: { rule: "MustRunAs", ranges: [{ min: 0, max: 0 }] }, allowedProcMountTypes: ["Default", "Unmasked"] }],
          ["latest", "restricted", 37, undefined],
          ["oldest", "baseline", 0, undefined],
          ["object-without-version", "restricted", undefined, undefined],
        ],
      );
    });

    it("loads bindings, profiles and the Pod Security Standard", () => {
      const { policies, warnings } = parsePolicies(readFileSync(join(FIXTURES, "valid", "multi-document.yaml"), "utf8"), "multi.yaml");
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        policies.map((p) => [p.name, p.source, p.kind, p.binding, p.podSecurityStandard]),
        [
          ["team-a", "multi.yaml#3", "SecureDefaultsPolicy", { namespaces: ["team-a"] }, undefined],
          [
            "labelled",
            "multi.yaml#4",
            "SecureDefaultsPolicy",
            { namespaceSelector: { matchLabels: { tier: "apps" }, matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] } },
            "baseline",
          ],
        ],
      );
    });

    it("the shipped restricted policy has scratch space at /tmp, with the derived volume name and no size limit", () => {
      const [p] = parsePolicies(readFileSync(join(REPO_ROOT, "policies", "restricted.yaml"), "utf8"), "r.yaml").policies;
      assert.deepEqual(p.scratchSpace, [{ path: "/tmp", volumeName: "scratch-tmp" }]);
      assert.equal(p.mode, undefined, "no mode field: enforce");
    });

    it("has no binding when neither namespaces nor namespaceSelector is given", () => {
      const [p] = parsePolicies(readFileSync(join(REPO_ROOT, "policies", "restricted.yaml"), "utf8"), "r.yaml").policies;
      assert.equal("binding" in p, false);
    });
  });

  describe("documents and files", () => {
    it("loads the items of a v1 List, located by index", () => {
      const { policies } = loadPolicies([rel(join(FIXTURES, "valid", "psp-list.yaml"))]);
      assert.deepEqual(
        policies.map((p) => [p.name, p.source]),
        [
          ["psp-a", "test/fixtures/policies/valid/psp-list.yaml#1.items[0]"],
          ["psp-b", "test/fixtures/policies/valid/psp-list.yaml#1.items[1]"],
        ],
      );
    });

    it("parses .json sources as JSON (tabs included)", () => {
      const { policies } = loadPolicies([rel(join(FIXTURES, "valid", "policy.json"))]);
      assert.deepEqual(policies[0].hostPorts, [{ min: 8000, max: 8080 }]);
      assert.deepEqual(policies[0].seLinux, { rule: "MustRunAs", seLinuxOptions: { level: "s0:c123,c456" } });
    });

    it("reports a JSON syntax error with the file", () => {
      const file = rel(join(FIXTURES, "invalid-json", "broken.json"));
      const error = loadError(() => loadPolicies([file]));
      assert.match(error.message, /^test\/fixtures\/policies\/invalid-json\/broken\.json: document 1: invalid JSON: /);
      assert.equal(error.issues.length, 1);
    });

    it("an empty text, or only comments, gives no policies", () => {
      assert.deepEqual(parsePolicies("", "empty.yaml"), { policies: [], warnings: [] });
      assert.deepEqual(parsePolicies("# nothing\n---\n", "empty.yaml"), { policies: [], warnings: [] });
    });

    it("loads a folder's *.yaml, *.yml and *.json files in name order, not recursively", () => {
      const { policies, warnings } = loadPolicies([rel(join(FIXTURES, "folder"))]);
      assert.deepEqual(
        policies.map((p) => p.source),
        ["test/fixtures/policies/folder/a.yaml#1", "test/fixtures/policies/folder/b.yml#1", "test/fixtures/policies/folder/c.json#1"],
      );
      assert.deepEqual(warnings, []);
    });

    it("loads a file named twice (directly and through its folder) once", () => {
      const folder = rel(join(FIXTURES, "folder"));
      const { policies } = loadPolicies([join(folder, "a.yaml"), folder]);
      assert.deepEqual(
        policies.map((p) => p.name),
        ["a", "b", "c"],
      );
    });

    it("an empty folder or no paths at all give an empty set", () => {
      assert.deepEqual(loadPolicies([rel(join(FIXTURES, "empty-folder"))]), { policies: [], warnings: [] });
      assert.deepEqual(loadPolicies([]), { policies: [], warnings: [] });
    });

    it("a missing path is an error naming it", () => {
      const error = loadError(() => loadPolicies(["policies/does-not-exist.yaml"]));
      assert.equal(error.message, "policies/does-not-exist.yaml: no such file or directory");
      assert.equal(error.file, "policies/does-not-exist.yaml");
      assert.equal(error.document, undefined);
    });

    it("two policies with one name in different files are an error naming both files", () => {
      const error = loadError(() => loadPolicies([rel(join(FIXTURES, "duplicates"))]));
      assert.equal(
        error.message,
        'test/fixtures/policies/duplicates/two.yaml: document 1 (policy "shared"): metadata.name: duplicate policy name "shared": also defined in test/fixtures/policies/duplicates/one.yaml: document 1',
      );
    });

    it("collects the problems of every file before throwing", () => {
      const dir = mkdtempSync(join(tmpdir(), "policies-"));
      try {
        writeFileSync(join(dir, "1.yaml"), "kind: Pod\n");
        writeFileSync(join(dir, "2.yaml"), MINIMAL_PSP.replace("RunAsAny", "RunAsEveryone"));
        const error = loadError(() => loadPolicies([dir, join(dir, "missing")]));
        assert.deepEqual(
          error.issues.map((i) => [relative(dir, i.file), i.document, i.field]),
          [
            ["1.yaml", 1, "kind"],
            ["2.yaml", 1, "spec.runAsUser.rule"],
            ["missing", undefined, ""],
          ],
        );
      } finally {
        rmSync(dir, { recursive: true });
      }
    });

    it("RBAC documents beside PSPs grant use of them as import does (in a List too); a PSP nobody is granted is for no one", () => {
      const dir = mkdtempSync(join(tmpdir(), "policies-"));
      try {
        const clusterRole = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: use-minimal}\nrules: [{apiGroups: [policy], resources: [podsecuritypolicies], resourceNames: [minimal], verbs: [use]}]\n";
        const binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: all-use-minimal}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: use-minimal}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:authenticated}]\n";
        writeFileSync(join(dir, "a.yaml"), `${MINIMAL_PSP}---\n${clusterRole}---\n${binding}`);
        const list = {
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "RoleBinding",
              metadata: { name: "b", namespace: "ns" },
              roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "use-minimal" },
              subjects: [{ kind: "ServiceAccount", name: "web", namespace: "ns" }],
            },
            { ...parse(MINIMAL_PSP), metadata: { name: "minimal-b" } },
          ],
        };
        writeFileSync(join(dir, "b.json"), JSON.stringify(list));
        const loaded = loadPolicies([dir]);
        assert.deepEqual(
          loaded.policies.map((p) => [p.name, relative(dir, p.source), p.subjects]),
          [
            ["minimal", "a.yaml#1", [{ kind: "Group", name: "system:authenticated" }, { kind: "ServiceAccount", name: "web", namespace: "ns", inNamespaces: ["ns"] }]],
            ["minimal-b", "b.json#1.items[1]", []],
          ],
        );
        assert.deepEqual(loaded.warnings.filter((w) => w.includes("RBAC") || w.includes("grants")).map((w) => w.replaceAll(`${dir}/`, "")), [
          'a.yaml: 2 RBAC documents read: document 2 (ClusterRole "use-minimal"), document 3 (ClusterRoleBinding "all-use-minimal"); the loaded PodSecurityPolicies may be used only by whom these grant use (as secure-defaults import decides)',
          'b.json: RBAC document read: document 1, items[0] (RoleBinding "b"); the loaded PodSecurityPolicies may be used only by whom these grant use (as secure-defaults import decides)',
          'b.json: document 1, items[1] (policy "minimal-b"): no RoleBinding or ClusterRoleBinding in the loaded policy files grants use of this PodSecurityPolicy, so no one may use it (as under PSP)',
        ]);
      } finally {
        rmSync(dir, { recursive: true });
      }
    });

    it("a malformed RBAC document beside a PSP refuses the file, naming the document and field", () => {
      const text = `${MINIMAL_PSP}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: broken}\nsubjects: [{kind: Group, name: g}]\n`;
      const error = loadError(() => parsePolicies(text, "chart.yaml"));
      assert.equal(error.message, 'chart.yaml: document 2 (ClusterRoleBinding "broken"): roleRef: is required');
    });

    it("PolicyLoadError exposes the first problem's parts and every problem", () => {
      const error = loadError(() => parsePolicies(MINIMAL_PSP.replace("fsGroup: {rule: RunAsAny}", "fsGroup: {rule: MustRunAs}"), "x.yaml"));
      assert.equal(error.name, "PolicyLoadError");
      assert.equal(error.file, "x.yaml");
      assert.equal(error.document, 1);
      assert.equal(error.field, "spec.fsGroup.ranges");
      assert.equal(error.detail, "at least one range is required when the rule is MustRunAs");
      assert.deepEqual(error.issues[0].path, ["spec", "fsGroup", "ranges"]);
      assert.equal(error.issues[0].policy, "minimal");
    });
  });

  describe("shipped policies", () => {
    const { policies, warnings } = loadPolicies([join(REPO_ROOT, "policies")]);
    const byName = (name: string) => policies.find((p) => p.name === name) as Policy;

    it("policies/ loads baseline, privileged and restricted without warnings; only restricted is unbound", () => {
      assert.deepEqual(warnings, []);
      const byLabel = (name: string) => ({ namespaceSelector: { matchLabels: { "secure-defaults.io/policy": name } } });
      assert.deepEqual(
        policies.map((p) => [p.name, p.kind, p.binding]),
        [
          ["baseline", "SecureDefaultsPolicy", byLabel("baseline")],
          ["privileged", "SecureDefaultsPolicy", byLabel("privileged")],
          ["restricted", "SecureDefaultsPolicy", undefined],
        ],
      );
    });

    it("restricted defaults what Pod Security Admission restricted requires", () => {
      const p = byName("restricted");
      assert.equal(p.podSecurityStandard, "restricted");
      assert.equal(p.privileged, false);
      assert.deepEqual(p.requiredDropCapabilities, ["ALL"]);
      assert.deepEqual(p.allowedCapabilities, ["NET_BIND_SERVICE"]);
      assert.deepEqual(p.defaultAddCapabilities, []);
      assert.equal(p.allowPrivilegeEscalation, false);
      assert.equal(p.defaultAllowPrivilegeEscalation, undefined);
      assert.deepEqual(p.runAsUser, { rule: "MustRunAsNonRoot", ranges: [] });
      assert.deepEqual(p.runAsGroup, { rule: "MayRunAs", ranges: [{ min: 1, max: 65535 }] });
      assert.deepEqual(p.supplementalGroups, { rule: "MayRunAs", ranges: [{ min: 1, max: 65535 }] });
      assert.deepEqual(p.fsGroup, { rule: "MustRunAs", ranges: [{ min: 1, max: 65535 }] });
      assert.deepEqual(p.seLinux, { rule: "RunAsAny" });
      assert.equal(p.readOnlyRootFilesystem, true);
      assert.deepEqual(p.volumes, ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);
      assert.deepEqual([p.hostNetwork, p.hostIPC, p.hostPID, p.hostPorts], [false, false, false, []]);
      assert.deepEqual(p.seccomp, { defaultProfile: "runtime/default", allowedProfiles: ["runtime/default", "localhost/*"] });
      assert.deepEqual(p.appArmor, {});
      assert.deepEqual(p.allowedProcMountTypes, ["Default"]);
      assert.equal(p.podSecurityStandardVersion, undefined);
      assert.deepEqual(p.userNamespaces, { runAsUser: { rule: "RunAsAny", ranges: [] }, runAsGroup: { rule: "RunAsAny", ranges: [] } });
    });

    it("baseline allows PSA baseline's capabilities and every volume type but hostPath", () => {
      const p = byName("baseline");
      assert.equal(p.podSecurityStandard, "baseline");
      assert.deepEqual(p.allowedCapabilities, [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
      ]);
      assert.deepEqual(p.requiredDropCapabilities, []);
      assert.equal(p.volumes.length, 29);
      assert.ok(p.volumes.includes("image"));
      assert.deepEqual(p.allowedProcMountTypes, ["Default"]);
      assert.deepEqual(p.userNamespaces, { allowedProcMountTypes: ["Default", "Unmasked"] });
      assert.ok(!p.volumes.includes("hostPath") && !p.volumes.includes("*"));
      assert.deepEqual([p.privileged, p.hostNetwork, p.hostIPC, p.hostPID, p.hostPorts], [false, false, false, false, []]);
      assert.deepEqual(p.runAsUser, { rule: "RunAsAny", ranges: [] });
      assert.deepEqual(p.seccomp, { defaultProfile: "runtime/default", allowedProfiles: ["runtime/default", "localhost/*"] });
    });

    it("privileged allows everything and defaults nothing", () => {
      const p = byName("privileged");
      assert.equal(p.podSecurityStandard, undefined);
      assert.deepEqual([p.privileged, p.allowPrivilegeEscalation, p.hostNetwork, p.hostIPC, p.hostPID], [true, true, true, true, true]);
      assert.deepEqual(p.allowedCapabilities, ["*"]);
      assert.deepEqual([p.defaultAddCapabilities, p.requiredDropCapabilities], [[], []]);
      assert.deepEqual(p.volumes, ["*"]);
      assert.deepEqual(p.hostPorts, [{ min: 0, max: 65535 }]);
      for (const s of [p.runAsUser, p.runAsGroup, p.supplementalGroups, p.fsGroup]) assert.equal(s.rule, "RunAsAny");
      assert.equal(p.readOnlyRootFilesystem, false);
      assert.deepEqual(p.seccomp, { allowedProfiles: ["*"] });
      assert.deepEqual(p.appArmor, {});
      assert.deepEqual(p.allowedUnsafeSysctls, ["*"]);
      assert.deepEqual(p.allowedProcMountTypes, ["Default", "Unmasked"]);
    });
  });

  describe("examples", () => {
    // examples/<name>/policy.yaml + pod.yaml pairs (examples/webhook/ holds request bodies, not a policy).
    const examples = readdirSync(join(REPO_ROOT, "examples"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(REPO_ROOT, "examples", e.name, "policy.yaml")))
      .map((e) => e.name)
      .sort();
    const cases = loadFixtureCases(join(ENGINE_FIXTURES, "examples"));

    it("has examples", () => assert.ok(examples.length >= 8));

    for (const name of examples) {
      it(`examples/${name}: the PodSecurityPolicy loads without warnings, and its fixture starts from pod.yaml`, () => {
        const { policies, warnings } = loadPolicies([join(REPO_ROOT, "examples", name, "policy.yaml")]);
        assert.deepEqual(warnings, []);
        assert.deepEqual(
          policies.map((p) => [p.name, p.kind]),
          [[name, "PodSecurityPolicy"]],
        );
        const first = cases.find((c) => c.id === `${name}.yaml#0`);
        assert.ok(first, `test/fixtures/engine/examples/${name}.yaml exists`);
        assert.deepEqual(first.policies.map((p) => p.name), [name]);
        assert.deepEqual(first.input, parse(readFileSync(join(REPO_ROOT, "examples", name, "pod.yaml"), "utf8")));
      });
    }
  });
});
