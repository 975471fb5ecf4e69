// Runs every fixture case under test/fixtures/engine: exact object / violations / reasons, plus the
// patch contract (applies to the input, yields the object, second pass empty) and schema validity.
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import { evaluate } from "../src/engine/evaluate.js";
import { loadFixtureCases } from "./support/fixture-cases.js";
import { assertValidPod } from "./support/pod-schema.js";

const cases = loadFixtureCases();
const areas = [...new Set(cases.map((c) => c.id.split("/")[0]))];

describe("engine fixtures", () => {
  it("has fixture cases", () => assert.ok(cases.length > 0));
  for (const area of areas) {
    describe(area, () => {
      for (const c of cases.filter((x) => x.id.startsWith(`${area}/`))) {
        it(`${c.description} (${c.id})`, () => {
          const options = { operation: c.operation, ephemeralContainers: c.ephemeralContainers };
          const before = structuredClone(c.input);
          const result = evaluate(c.input, c.policies, options);
          assert.deepEqual(c.input, before, "the engine must not modify its input");

          assert.equal(result.allowed, c.expect.allowed, `allowed; violations: ${JSON.stringify(result.violations)}`);
          if (c.expect.policy !== undefined) assert.equal(result.policy, c.expect.policy);
          if (c.expect.violations !== undefined) assert.deepEqual(result.violations, c.expect.violations);
          if (c.expect.reasons !== undefined) assert.deepEqual(result.reasons, c.expect.reasons);
          if (c.expect.warnings !== undefined) assert.deepEqual(result.warnings, c.expect.warnings);
          if (c.expect.object !== undefined) assert.deepEqual(result.object, c.expect.object);
          if (c.expect.patch !== undefined) assert.deepEqual(result.patch, c.expect.patch);
          if (c.expect.apiDefaults !== undefined) assert.deepEqual(result.apiDefaults ?? [], c.expect.apiDefaults);
          if (!c.expect.allowed) {
            assert.deepEqual(result.object, c.input, "a denied object is returned unchanged");
            assert.deepEqual(result.patch, []);
            return;
          }
          if (c.expect.object === undefined) assert.deepEqual(result.object, c.input, "no expected object given: must be unchanged");

          const patched = jsonpatch.applyPatch(structuredClone(c.input), structuredClone(result.patch) as never, true, false).newDocument;
          assert.deepEqual(patched, result.object, "the patch applied to the input gives the object");
          if (c.operation === "CREATE") {
            const again = evaluate(result.object, c.policies, options);
            assert.deepEqual(again.patch, [], "a second pass changes nothing");
            assert.equal(again.allowed, true);
          }
          if ((result.object as { kind?: string }).kind === "Pod") assertValidPod(result.object);
        });
      }
    });
  }
});
