// The ClusterRole in manifests/ grants exactly what the webhook uses: the verbs are read off the
// requests it actually makes to the stub API server (namespace cache plus NetworkPolicy reconciler,
// through opt-in, a policy change and opt-out), not from a list kept by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ENABLED_LABEL, POLICY_LABEL } from "../src/policy/choose.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { BASE_DIR, only, render } from "./support/manifests-render.js";
import { eventually, removeDir, startHarness, tempDir } from "./support/server-harness.js";
import { NetworkingStubApiServer } from "./support/stub-networking-apiserver.js";

const NETWORK_FIXTURES = join(REPO_ROOT, "test", "fixtures", "network");

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** "group/resource" → sorted verbs. */
function grants(rules: Rule[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) (out[`${g}/${res}`] ??= new Set()).add(v);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

describe("manifests: RBAC matches what the webhook does", () => {
  it("grants exactly the NetworkPolicy verbs the reconciler uses, and every verb the webhook uses", async () => {
    const dir = tempDir("sd-rbac-");
    const stub = new NetworkingStubApiServer();
    stub.core.set("team-a", { [ENABLED_LABEL]: "true", [POLICY_LABEL]: "both-with-extra-rules" });
    await stub.start();
    const harness = await startHarness({
      policies: [join(NETWORK_FIXTURES, "both-with-extra-rules", "policy.yaml"), join(NETWORK_FIXTURES, "egress-dns", "policy.yaml")],
      cluster: { kubeconfig: stub.kubeconfig(dir) },
    });
    try {
      await eventually(() => stub.all().length === 2, "opt-in");
      stub.core.set("team-a", { [ENABLED_LABEL]: "true", [POLICY_LABEL]: "egress-dns" });
      await eventually(() => stub.all().length === 1, "a policy change (one updated, one deleted)");
      stub.core.set("team-a", {});
      await eventually(() => stub.all().length === 0, "opt-out");
      await harness.webhook.networkPolicies!.idle();
    } finally {
      await harness.close();
      await stub.stop();
      removeDir(dir);
    }

    const used: Record<string, Set<string>> = {};
    const use = (key: string, verb: string) => (used[key] ??= new Set()).add(verb);
    for (const r of stub.core.requests) use("/namespaces", r.watch ? "watch" : "list");
    for (const r of stub.requests) {
      const key = "networking.k8s.io/networkpolicies";
      if (r.method === "GET") use(key, "list");
      else if (r.method === "DELETE") use(key, "delete");
      else if (r.method === "PATCH") {
        use(key, "patch");
        if (!r.existed) use(key, "create"); // an apply that creates the object is authorized as create
      } else assert.fail(`unexpected ${r.method} ${r.path}`);
    }
    const usedSorted = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, [...v].sort()]));
    assert.deepEqual(usedSorted["networking.k8s.io/networkpolicies"], ["create", "delete", "list", "patch"]);

    const role = only(render(BASE_DIR), "ClusterRole") as unknown as { rules: Rule[] };
    const granted = grants(role.rules);
    for (const [key, verbs] of Object.entries(usedSorted)) for (const verb of verbs) assert.ok(granted[key]?.includes(verb), `${key} ${verb} is used but not granted`);
    assert.deepEqual(granted["networking.k8s.io/networkpolicies"], usedSorted["networking.k8s.io/networkpolicies"], "nothing granted that is not used");
    assert.deepEqual(granted, { "/namespaces": ["get", "list", "watch"], "networking.k8s.io/networkpolicies": ["create", "delete", "list", "patch"] });
  });

  it("docs/install.md shows the ClusterRole's rules as they are", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "install.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Network defaults: RBAC"));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(yaml, "a yaml block in the section");
    const role = only(render(BASE_DIR), "ClusterRole") as unknown as { rules: Rule[] };
    assert.deepEqual(parse(yaml).rules, role.rules);
  });
});
