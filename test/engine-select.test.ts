// Policy selection's name order (select.ts byName) is Go's sort.Strings: UTF-8 byte order, not
// JavaScript's UTF-16 code unit order. The two differ for characters above U+FFFF: U+FF5E is EF BD 9E
// in UTF-8 and U+1F600 is F0 9F 98 80, so Go puts U+FF5E first, while UTF-16 puts U+1F600 (D83D DE00)
// first. The network default and the impact preview sort with the same byName.
import assert from "node:assert/strict";
import { byName, changesAsViolations, selectPolicy } from "../src/engine/select.js";
import type { Pod, Policy } from "../src/engine/types.js";
import { parsePolicies } from "../src/policy/load.js";

const named = (...names: string[]) => names.map((name) => ({ name }));

/** A PSP that admits a plain container by writing runAsNonRoot, under `name` (a name no manifest may carry). */
function nonRoot(name: string): Policy {
  const spec = { seLinux: { rule: "RunAsAny" }, runAsUser: { rule: "MustRunAsNonRoot" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" } };
  const [loaded] = parsePolicies(JSON.stringify({ apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy", metadata: { name: "p" }, spec }), "test").policies;
  return { ...loaded, name };
}

describe("engine select: byName is Go's byte-wise order", () => {
  it("puts U+FF5E before U+1F600, as UTF-8 bytes do (UTF-16 code units would not)", () => {
    assert.deepEqual(named("\u{1F600}", "\uFF5E").sort(byName), named("\uFF5E", "\u{1F600}"));
    assert.deepEqual(named("\uFF5E", "\u{1F600}").sort(byName), named("\uFF5E", "\u{1F600}"));
    assert.deepEqual(["\u{1F600}", "\uFF5E"].sort(), ["\u{1F600}", "\uFF5E"], "JavaScript's own order differs here");
  });

  it("orders mixed scripts and prefixes exactly as Go's sort.Strings", () => {
    const names = ["😀-b", "中", "～", "a", "Ω", "𝒜", "Z", "é", "ab", "😀"];
    // By first byte: Z 5A, a 61, é C3, Ω CE, 中 E4, ～ EF, 𝒜 F0 9D, 😀 F0 9F; a prefix first.
    const go = ["Z", "a", "ab", "é", "Ω", "中", "～", "𝒜", "😀", "😀-b"];
    assert.deepEqual(named(...names).sort(byName), named(...go));
    assert.notDeepEqual([...names].sort(), go, "JavaScript's own order differs here");
  });

  it("chooses among policies that all change the Pod the first by byte order, and reports the rest in that order", () => {
    const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "nginx" }] } };
    const policies = [nonRoot("\u{1F600}"), nonRoot("\uFF5E")];
    assert.equal(selectPolicy(pod, policies, true).chosen?.policy.name, "\uFF5E");
    const update = selectPolicy(pod, policies, false);
    assert.equal(update.chosen, undefined);
    assert.deepEqual(update.rejected.map((o) => o.policy.name), ["\uFF5E", "\u{1F600}"]);
  });
});

describe("engine select: a change on UPDATE is a denial that names it", () => {
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } };
  const outcome = (reasons: { path: string; field: string; message: string }[]) => ({ policy: nonRoot("p"), pod, mutated: true, reasons, violations: [], warnings: [] });

  it("turns each reason into a violation at its path", () => {
    const reason = { path: "spec.containers[0].securityContext.runAsNonRoot", field: "runAsUser", message: "defaulted to true" };
    assert.deepEqual(changesAsViolations(outcome([reason])), [
      { policy: "p", path: reason.path, field: "runAsUser", message: "defaulted to true; a Pod cannot be changed on update, so this must already be in the submitted Pod" },
    ]);
  });

  it("is never empty, even for a change without a reason", () => {
    assert.deepEqual(changesAsViolations(outcome([])), [
      { policy: "p", path: "spec", field: "", message: "the policy would change the Pod; a Pod cannot be changed on update, so this must already be in the submitted Pod" },
    ]);
  });
});
