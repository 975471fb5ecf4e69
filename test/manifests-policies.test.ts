// The policies ConfigMap: manifests/base/policies is a copy of policies/ (kustomize cannot read
// outside its root), kept in sync by manifests/sync-policies.mjs, and the rendered ConfigMap holds
// every file of policies/ byte for byte under a stable name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { choosePolicies } from "../src/policy/choose.js";
import { evaluate } from "../src/engine/evaluate.js";
import { loadPolicies } from "../src/policy/load.js";
import { BASE_DIR, MANIFESTS, POLICIES_CONFIGMAP, POLICIES_DIR, flagValues, only, render, webhookContainer } from "./support/manifests-render.js";

const COPY_DIR = join(BASE_DIR, "policies");
const SYNC_SCRIPT = join(MANIFESTS, "sync-policies.mjs");
const SHIPPED = ["baseline.yaml", "privileged.yaml", "restricted.yaml"];

function sync(script: string, ...args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
}

describe("manifests: policies ConfigMap", () => {
  const policyFiles = () => readdirSync(POLICIES_DIR).sort();

  it("policies/ ships the restricted, baseline and privileged policies", () => {
    for (const f of SHIPPED) assert.ok(policyFiles().includes(f), f);
  });

  it("manifests/base/policies holds an identical copy of every file of policies/ (else run node manifests/sync-policies.mjs)", () => {
    const copies = readdirSync(COPY_DIR).filter((f) => f !== "kustomization.yaml").sort();
    assert.deepEqual(copies, policyFiles(), "same files");
    for (const f of policyFiles()) {
      assert.ok(readFileSync(join(COPY_DIR, f)).equals(readFileSync(join(POLICIES_DIR, f))), `${f} differs from policies/${f}`);
    }
  });

  it("sync-policies.mjs --check agrees", () => {
    const r = sync(SYNC_SCRIPT, "--check");
    assert.equal(r.status, 0, r.stderr);
  });

  it("the rendered ConfigMap holds every file of policies/ with identical content, under a stable name", () => {
    const objects = render(BASE_DIR);
    const cm = only(objects, "ConfigMap", POLICIES_CONFIGMAP); // no hash suffix
    const data: Record<string, string> = { ...cm.data };
    for (const [k, v] of Object.entries<string>(cm.binaryData ?? {})) data[k] = Buffer.from(v, "base64").toString("utf8");
    assert.deepEqual(Object.keys(data).sort(), policyFiles());
    for (const f of policyFiles()) assert.equal(data[f], readFileSync(join(POLICIES_DIR, f), "utf8"), f);

    const deployment = only(objects, "Deployment");
    const volume = deployment.spec.template.spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap);
    assert.equal(volume.configMap.name, POLICIES_CONFIGMAP);
    assert.equal(volume.configMap.items, undefined, "every key is mounted");
  });

  it("the ConfigMap's files load as policies, and --default-policy names one of them", () => {
    const dir = mkdtempSync(join(tmpdir(), "sd-cm-"));
    try {
      const cm = only(render(BASE_DIR), "ConfigMap", POLICIES_CONFIGMAP);
      for (const [k, v] of Object.entries<string>(cm.data)) writeFileSync(join(dir, k), v);
      const names = loadPolicies([dir]).policies.map((p) => p.name);
      for (const n of ["restricted", "baseline", "privileged"]) assert.ok(names.includes(n), n);
      const deployment = only(render(BASE_DIR), "Deployment");
      const [defaultPolicy] = flagValues(webhookContainer(deployment).args, "--default-policy");
      assert.ok(names.includes(defaultPolicy), `--default-policy ${defaultPolicy} is a shipped policy`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("which policy an opted-in namespace gets, as installed (the ConfigMap's policies, the Deployment's --default-policy)", () => {
    const bare = { apiVersion: "v1", kind: "Pod", metadata: { name: "app", namespace: "apps" }, spec: { containers: [{ name: "app", image: "example/app:1" }] } };
    let policies: ReturnType<typeof loadPolicies>["policies"];
    let defaultPolicy: string;
    before(() => {
      const dir = mkdtempSync(join(tmpdir(), "sd-cm-"));
      try {
        const objects = render(BASE_DIR);
        for (const [k, v] of Object.entries<string>(only(objects, "ConfigMap", POLICIES_CONFIGMAP).data)) writeFileSync(join(dir, k), v);
        policies = loadPolicies([dir]).policies;
        [defaultPolicy] = flagValues(webhookContainer(only(objects, "Deployment")).args, "--default-policy");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    const admit = (labels: Record<string, string>) => {
      const choice = choosePolicies(policies, "apps", { "kubernetes.io/metadata.name": "apps", "secure-defaults.io/enabled": "true", ...labels }, defaultPolicy);
      assert.ok(choice.ok, JSON.stringify(choice));
      return evaluate(structuredClone(bare), choice.candidates, { operation: "CREATE" });
    };

    for (const name of ["restricted", "baseline", "privileged"]) {
      it(`secure-defaults.io/policy=${name} selects ${name}`, () => {
        assert.equal(admit({ "secure-defaults.io/policy": name }).policy, name);
      });
    }

    it("without secure-defaults.io/policy, the --default-policy applies: a bare Pod gets restricted's defaults, not privileged's pass", () => {
      const result = admit({});
      assert.equal(result.policy, defaultPolicy, "the shipped unbound policies must not outrank --default-policy");
      assert.ok(result.patch.length > 0, "defaults applied");
    });
  });

  describe("sync-policies.mjs", () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), "sd-sync-"));
      mkdirSync(join(root, "manifests"));
      mkdirSync(join(root, "policies"));
      copyFileSync(SYNC_SCRIPT, join(root, "manifests", "sync-policies.mjs"));
      writeFileSync(join(root, "policies", "b.yaml"), "b: 1\n");
      writeFileSync(join(root, "policies", "a.yaml"), "a: 1\n");
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const script = () => join(root, "manifests", "sync-policies.mjs");
    const copy = (f: string) => join(root, "manifests", "base", "policies", f);

    it("copies the files and writes a kustomization listing them; --check then passes", () => {
      assert.equal(sync(script(), "--check").status, 1, "out of date before the first sync");
      assert.equal(sync(script()).status, 0);
      assert.equal(readFileSync(copy("a.yaml"), "utf8"), "a: 1\n");
      const k = readFileSync(copy("kustomization.yaml"), "utf8");
      assert.match(k, /disableNameSuffixHash: true/);
      assert.match(k, /- a\.yaml\n\s+- b\.yaml\n/);
      assert.equal(sync(script(), "--check").status, 0);
    });

    it("--check fails on an edited, added or removed policy, and a sync fixes it", () => {
      assert.equal(sync(script()).status, 0);
      writeFileSync(join(root, "policies", "a.yaml"), "a: 2\n");
      let r = sync(script(), "--check");
      assert.equal(r.status, 1);
      assert.match(r.stderr, /differs: .*a\.yaml/);
      rmSync(join(root, "policies", "b.yaml"));
      writeFileSync(join(root, "policies", "c.yaml"), "c: 1\n");
      r = sync(script(), "--check");
      assert.match(r.stderr, /extra: .*b\.yaml/);
      assert.match(r.stderr, /missing: .*c\.yaml/);
      assert.equal(sync(script()).status, 0);
      assert.equal(sync(script(), "--check").status, 0);
      assert.deepEqual(readdirSync(join(root, "manifests", "base", "policies")).sort(), ["a.yaml", "c.yaml", "kustomization.yaml"]);
    });

    it("refuses a sub-directory (a ConfigMap is flat)", () => {
      mkdirSync(join(root, "policies", "nested"));
      const r = sync(script());
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /sub-directories/);
    });
  });
});
