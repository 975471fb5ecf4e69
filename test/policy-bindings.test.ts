// Which loaded policies are candidates in a namespace: unbound everywhere, bound by name or selector.
import assert from "node:assert/strict";
import type { LabelSelector, Policy, PolicyBinding } from "../src/engine/types.js";
import { candidatesFor, isBoundTo, policyByName, selectorMatches } from "../src/policy/bindings.js";
import { parsePolicies } from "../src/policy/load.js";

/** A loaded SecureDefaultsPolicy with the given binding fields. */
function policy(name: string, binding: PolicyBinding = {}): Policy {
  const spec = { ...binding, runAsUser: { rule: "RunAsAny" }, seLinux: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" }, volumes: ["*"] };
  const doc = { apiVersion: "secure-defaults.io/v1alpha1", kind: "SecureDefaultsPolicy", metadata: { name }, spec };
  return parsePolicies(JSON.stringify(doc), `${name}.json`).policies[0];
}

const everywhere = policy("everywhere");
const teamA = policy("team-a", { namespaces: ["team-a", "team-a-dev"] });
const apps = policy("apps", { namespaceSelector: { matchLabels: { tier: "apps" } } });
const both = policy("both", { namespaces: ["legacy"], namespaceSelector: { matchExpressions: [{ key: "pci", operator: "Exists" }] } });
const all = [everywhere, teamA, apps, both];
const names = (ps: Policy[]) => ps.map((p) => p.name);

describe("policy bindings", () => {
  describe("candidatesFor", () => {
    it("an unbound policy applies in every namespace", () => {
      assert.deepEqual(names(candidatesFor([everywhere], "anything", {})), ["everywhere"]);
      assert.deepEqual(names(candidatesFor([everywhere], "anything")), ["everywhere"]);
    });

    it("a namespace listed in namespaces gets the policy, others do not", () => {
      assert.deepEqual(names(candidatesFor(all, "team-a", {})), ["everywhere", "team-a"]);
      assert.deepEqual(names(candidatesFor(all, "team-a-dev")), ["everywhere", "team-a"]);
      assert.deepEqual(names(candidatesFor(all, "team-b", {})), ["everywhere"]);
    });

    it("a namespace whose labels match namespaceSelector gets the policy", () => {
      assert.deepEqual(names(candidatesFor(all, "shop", { tier: "apps" })), ["everywhere", "apps"]);
      assert.deepEqual(names(candidatesFor(all, "shop", { tier: "data" })), ["everywhere"]);
      assert.deepEqual(names(candidatesFor(all, "payments", { tier: "apps", pci: "true" })), ["everywhere", "apps", "both"]);
    });

    it("namespaces or namespaceSelector: either one binds", () => {
      assert.deepEqual(names(candidatesFor([both], "legacy", {})), ["both"]);
      assert.deepEqual(names(candidatesFor([both], "cards", { pci: "" })), ["both"]);
    });

    it("with unknown labels a selector-bound policy matches only through namespaces", () => {
      assert.deepEqual(names(candidatesFor(all, "shop", undefined)), ["everywhere"]);
      assert.deepEqual(names(candidatesFor(all, "legacy", undefined)), ["everywhere", "both"]);
    });

    it("without a namespace every loaded policy is a candidate", () => {
      assert.deepEqual(names(candidatesFor(all)), ["everywhere", "team-a", "apps", "both"]);
      assert.deepEqual(names(candidatesFor(all, undefined, { tier: "x" })), ["everywhere", "team-a", "apps", "both"]);
    });

    it("an empty namespaces list binds to nothing", () => {
      assert.deepEqual(names(candidatesFor([policy("nowhere", { namespaces: [] })], "default", {})), []);
    });

    it("a long namespaces list (looked up through a set) finds its first, middle and last names only", () => {
      const many = policy("many", { namespaces: Array.from({ length: 10_000 }, (_, i) => `team-${i}`) });
      for (const namespace of ["team-0", "team-5000", "team-9999"]) assert.deepEqual(names(candidatesFor([many], namespace, {})), ["many"], namespace);
      for (const namespace of ["team-10000", "team-", "default"]) assert.deepEqual(names(candidatesFor([many], namespace, {})), [], namespace);
    });

    it("an empty selector matches every namespace whose labels are known", () => {
      const any = policy("any-labelled", { namespaceSelector: {} });
      assert.deepEqual(names(candidatesFor([any], "x", {})), ["any-labelled"]);
      assert.deepEqual(names(candidatesFor([any], "x", undefined)), []);
    });

    it("keeps the given order and returns a new array", () => {
      const input = [both, everywhere];
      const out = candidatesFor(input, "legacy", {});
      assert.deepEqual(names(out), ["both", "everywhere"]);
      assert.notEqual(out, input);
    });
  });

  describe("isBoundTo", () => {
    it("is false for an unbound policy (it applies everywhere without being bound)", () => {
      assert.equal(isBoundTo(everywhere, "default", {}), false);
      assert.equal(isBoundTo(teamA, "team-a"), true);
      assert.equal(isBoundTo(apps, "shop", { tier: "apps" }), true);
    });
  });

  describe("selectorMatches (Kubernetes label selector semantics)", () => {
    const labels = { tier: "apps", env: "prod" };
    const cases: [string, LabelSelector, boolean][] = [
      ["matchLabels all equal", { matchLabels: { tier: "apps", env: "prod" } }, true],
      ["matchLabels one differs", { matchLabels: { tier: "apps", env: "dev" } }, false],
      ["matchLabels key missing", { matchLabels: { team: "a" } }, false],
      ["In with the value", { matchExpressions: [{ key: "env", operator: "In", values: ["dev", "prod"] }] }, true],
      ["In without the value", { matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] }, false],
      ["In on a missing key", { matchExpressions: [{ key: "team", operator: "In", values: ["a"] }] }, false],
      ["NotIn without the value", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] }, true],
      ["NotIn with the value", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, false],
      ["NotIn on a missing key", { matchExpressions: [{ key: "team", operator: "NotIn", values: ["a"] }] }, true],
      ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
      ["Exists on a missing key", { matchExpressions: [{ key: "team", operator: "Exists" }] }, false],
      ["DoesNotExist", { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, true],
      ["DoesNotExist on a present key", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, false],
      ["matchLabels AND matchExpressions, both true", { matchLabels: { tier: "apps" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }, true],
      ["matchLabels AND matchExpressions, one false", { matchLabels: { tier: "apps" }, matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }, false],
      ["every expression must hold", { matchExpressions: [{ key: "tier", operator: "Exists" }, { key: "env", operator: "In", values: ["dev"] }] }, false],
      ["empty selector", {}, true],
    ];
    for (const [name, selector, expected] of cases) {
      it(`${name}: ${expected}`, () => assert.equal(selectorMatches(selector, labels), expected));
    }

    it("does not match inherited properties as labels", () => {
      assert.equal(selectorMatches({ matchExpressions: [{ key: "toString", operator: "Exists" }] }, {}), false);
    });
  });

  describe("policyByName", () => {
    it("finds a policy by exact name, or undefined", () => {
      assert.equal(policyByName(all, "apps"), apps);
      assert.equal(policyByName(all, "Apps"), undefined);
      assert.equal(policyByName([], "apps"), undefined);
    });
  });
});
