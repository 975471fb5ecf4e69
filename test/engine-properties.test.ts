// Properties over many generated Pods and policies: the patch applies to the input and yields the
// object; a second pass gives an empty patch; admitted Pods are schema-valid; the input is untouched;
// the result is deterministic.
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import { evaluate } from "../src/engine/evaluate.js";
import { randomPod, randomPolicy, seeded } from "./support/generators.js";
import { assertValidPod } from "./support/pod-schema.js";

const RUNS = 600;

describe("engine properties over generated Pods and policies", () => {
  it(`holds for ${RUNS} seeded cases`, () => {
    let admitted = 0;
    let mutated = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const r = seeded(seed);
      const policies = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => randomPolicy(r, `p${i}`));
      const pod = randomPod(r, `pod-${seed}`);
      const before = structuredClone(pod);
      const context = `seed ${seed}`;

      const result = evaluate(pod, policies, { operation: "CREATE" });
      assert.deepEqual(pod, before, `${context}: input modified`);
      assert.deepEqual(evaluate(pod, policies, { operation: "CREATE" }), result, `${context}: not deterministic`);
      if (!result.allowed) {
        assert.deepEqual(result.patch, [], context);
        assert.ok(result.violations.length > 0, `${context}: denied without a violation`);
        continue;
      }
      admitted++;
      if (result.patch.length) mutated++;
      const patched = jsonpatch.applyPatch(structuredClone(pod), structuredClone(result.patch) as never, true, false).newDocument;
      assert.deepEqual(patched, result.object, `${context}: patch does not yield the object`);
      const again = evaluate(result.object, policies, { operation: "CREATE" });
      assert.equal(again.allowed, true, `${context}: output not admitted again: ${JSON.stringify(again.violations)}`);
      assert.deepEqual(again.patch, [], `${context}: second pass not empty`);
      const update = evaluate(result.object, policies, { operation: "UPDATE" });
      assert.equal(update.allowed, true, `${context}: output denied on UPDATE: ${JSON.stringify(update.violations)}`);
      try {
        assertValidPod(result.object);
      } catch (error) {
        assert.fail(`${context}: schema-invalid result: ${(error as Error).message}`);
      }
    }
    // The generators must exercise both paths, or the properties above prove little.
    assert.ok(admitted > RUNS / 10, `only ${admitted} admitted`);
    assert.ok(mutated > RUNS / 20, `only ${mutated} mutated`);
  });
});
