// The engine's diff gives fast-json-patch's `compare` operations exactly (same operations, same order),
// stops at shared references, and never lets a patch value alias the result.
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import { diff } from "../src/engine/patch.js";

const cases: [string, unknown, unknown][] = [
  ["equal documents", { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }],
  ["an added field with an object value", { spec: {} }, { spec: { securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } } } }],
  ["a replaced scalar and a removed key", { a: 1, b: 2, c: 3 }, { a: 5, c: 3 }],
  ["keys that need escaping", { metadata: { annotations: { "a/b": "x" } } }, { metadata: { annotations: { "a/b": "y", "c~d": "z", "e/f~g": "w" } } }],
  ["a shorter and a longer array", { a: [1, 2, 3], b: [1] }, { a: [1], b: [1, { x: 2 }, 3] }],
  ["an object turned into an array and back", { a: { x: 1 }, b: [1] }, { a: [1], b: { x: 1 } }],
  ["null values, and undefined ones (dropped, or null in an array, as JSON)", { a: null, b: 1 }, { a: 1, b: null, d: undefined, e: [undefined] }],
  ["a scalar turned into an object", { a: "s" }, { a: { nested: true } }],
  ["additions after removals, deep", { x: { y: { z: 1, w: 2 } } }, { x: { y: { w: 2, v: [{ k: 1 }] } }, n: 0 }],
];

describe("engine: patch computation", () => {
  for (const [what, before, after] of cases) {
    it(`matches jsonpatch.compare for ${what}`, () => {
      const expected = jsonpatch.compare(structuredClone(before) as object, structuredClone(after) as object);
      const ops = diff(before, after);
      assert.deepEqual(ops, expected);
      const applied = jsonpatch.applyPatch(structuredClone(before), structuredClone(ops) as never, true, false).newDocument;
      assert.deepEqual(applied, JSON.parse(JSON.stringify(after)));
    });
  }

  it("skips shared subtrees without looking into them", () => {
    const shared = new Proxy({}, { ownKeys: () => assert.fail("a shared subtree was walked") });
    assert.deepEqual(diff({ keep: shared, a: 1 }, { keep: shared, a: 2 }), [{ op: "replace", path: "/a", value: 2 }]);
  });

  it("copies added values, so changing the result later does not change the patch", () => {
    const after = { spec: { securityContext: { capabilities: { drop: ["ALL"] } } } };
    const ops = diff({ spec: {} }, after);
    after.spec.securityContext.capabilities.drop.push("CHOWN");
    assert.deepEqual(ops, [{ op: "add", path: "/spec/securityContext", value: { capabilities: { drop: ["ALL"] } } }]);
  });
});
