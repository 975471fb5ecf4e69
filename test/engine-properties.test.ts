// Properties over many generated Pods and policies: the patch applies to the input and yields the
// object; a second pass gives an empty patch; admitted Pods are schema-valid; the input is untouched;
// the result is deterministic; the patch is the full comparison of input and result (the engine shares
// unchanged parts with the input, and a frozen input proves it never writes to them).
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import { evaluate } from "../src/engine/evaluate.js";
import { randomPod, randomPolicy, seeded } from "./support/generators.js";
import { assertValidPod } from "./support/pod-schema.js";

const RUNS = 600;

/** Freezes every object and array in `value`: in strict-mode code (all ESM) a write to it then throws. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The patch a full comparison of independent copies gives, with no shared references to shortcut. */
function fullCompare(before: unknown, after: unknown): unknown[] {
  return jsonpatch.compare(structuredClone(before) as object, structuredClone(after) as object);
}

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
      deepFreeze(pod);

      const result = evaluate(pod, policies, { operation: "CREATE" });
      assert.deepEqual(pod, before, `${context}: input modified`);
      assert.deepEqual(result.patch, fullCompare(pod, result.object), `${context}: patch differs from a full comparison`);
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

describe("engine properties for pod templates", () => {
  it(`patch Deployments and CronJobs in place without touching the frozen input (${RUNS / 3} seeded cases)`, () => {
    let mutated = 0;
    for (let seed = 1; seed <= RUNS / 3; seed++) {
      const r = seeded(seed);
      const policies = [randomPolicy(r, "p0")];
      const { metadata, spec } = randomPod(r, `pod-${seed}`);
      const template = { metadata, spec };
      const object =
        seed % 2 === 0
          ? { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `d-${seed}` }, spec: { selector: {}, template } }
          : { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: `c-${seed}` }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } } };
      const before = structuredClone(object);
      const context = `seed ${seed} (${object.kind})`;
      deepFreeze(object);

      const result = evaluate(object, policies, { operation: "CREATE" });
      assert.deepEqual(object, before, `${context}: input modified`);
      assert.deepEqual(result.patch, fullCompare(object, result.object), `${context}: patch differs from a full comparison`);
      if (!result.allowed || result.patch.length === 0) continue;
      mutated++;
      const prefix = object.kind === "Deployment" ? "/spec/template/" : "/spec/jobTemplate/spec/template/";
      for (const op of result.patch) assert.ok(op.path.startsWith(prefix), `${context}: ${op.path} outside the template`);
      const patched = jsonpatch.applyPatch(structuredClone(before), structuredClone(result.patch) as never, true, false).newDocument;
      assert.deepEqual(patched, result.object, `${context}: patch does not yield the object`);
      assert.deepEqual(evaluate(result.object, policies, { operation: "CREATE" }).patch, [], `${context}: second pass not empty`);
    }
    assert.ok(mutated > RUNS / 30, `only ${mutated} mutated`);
  });
});

describe("engine properties for Windows Pods", () => {
  const LINUX_ONLY = ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups", "seLinuxOptions", "seccompProfile", "appArmorProfile", "capabilities", "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount", "sysctls", "fsGroupChangePolicy"];

  it(`admit only Windows Pods without Linux-only settings, and never write one (${RUNS} seeded cases)`, () => {
    let admitted = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const r = seeded(seed);
      const policies = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => randomPolicy(r, `p${i}`));
      const pod = randomPod(r, `win-${seed}`);
      (pod.spec as Record<string, unknown>).os = { name: "windows" };
      const context = `windows seed ${seed}`;
      const result = evaluate(deepFreeze(pod), policies, { operation: "CREATE" });
      if (!result.allowed) continue;
      admitted++;
      const out = result.object as { spec: Record<string, unknown> };
      const contexts = [out.spec.securityContext, ...["initContainers", "containers", "ephemeralContainers"].flatMap((list) => ((out.spec[list] as { securityContext?: unknown }[] | undefined) ?? []).map((c) => c.securityContext))];
      for (const sc of contexts) {
        for (const field of LINUX_ONLY) assert.ok(sc === undefined || sc === null || [undefined, null].includes((sc as Record<string, unknown>)[field] as null), `${context}: ${field} in ${JSON.stringify(sc)}`);
      }
      const patched = jsonpatch.applyPatch(structuredClone(pod), structuredClone(result.patch) as never, true, false).newDocument;
      assert.deepEqual(patched, result.object, `${context}: patch does not yield the object`);
      assert.deepEqual(evaluate(result.object, policies, { operation: "CREATE" }).patch, [], `${context}: second pass not empty`);
      assertValidPod(result.object);
    }
    assert.ok(admitted > RUNS / 20, `only ${admitted} admitted`);
  });
});
