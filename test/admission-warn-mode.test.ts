// Warn mode without a server: which mode applies (namespace label over the policies' field; a denial only
// in warn mode when every candidate is), and the warn-mode answer (no patch, allowed, prefixed lines,
// would-patch / would-deny) including the line cap and UPDATE, where nothing would be patched.
import assert from "node:assert/strict";
import { MODE_LABEL, modeFor } from "../src/admission/mode.js";
import { WARN_PREFIX, policyLabel, warnModeResponse } from "../src/admission/warn-response.js";
import type { EvaluationResult, Policy } from "../src/engine/types.js";
import { parsePolicies } from "../src/policy/load.js";

function result(partial: Partial<EvaluationResult>): EvaluationResult {
  return { allowed: true, object: {}, patch: [], reasons: [], violations: [], warnings: [], ...partial };
}

function policy(name: string, mode?: "warn" | "enforce"): Policy {
  const text = JSON.stringify({
    apiVersion: "secure-defaults.io/v1alpha1",
    kind: "SecureDefaultsPolicy",
    metadata: { name },
    spec: { ...(mode ? { mode } : {}), runAsUser: { rule: "RunAsAny" }, seLinux: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" }, volumes: ["*"] },
  });
  return parsePolicies(text, `${name}.json`).policies[0];
}

const [warnA, warnB, enforcing, plain] = [policy("a", "warn"), policy("b", "warn"), policy("c", "enforce"), policy("d")];
const denied = (...names: string[]) => result({ allowed: false, violations: names.map((p) => ({ policy: p, path: "spec.hostPID", field: "hostPID", message: "Host PID is not allowed to be used" })) });

describe("admission: warn mode", () => {
  describe("modeFor", () => {
    it("the namespace label wins over the policies' field, both ways", () => {
      assert.deepEqual(modeFor({ [MODE_LABEL]: "warn" }, [plain], result({ policy: "d" })), { mode: "warn", via: "label" });
      assert.deepEqual(modeFor({ [MODE_LABEL]: "enforce" }, [warnA], result({ policy: "a" })), { mode: "enforce", via: "label" });
    });

    it("an admitted Pod takes the chosen policy's mode; no field means enforce", () => {
      assert.deepEqual(modeFor(undefined, [warnA, enforcing], result({ policy: "a" })), { mode: "warn", via: "policy" });
      assert.deepEqual(modeFor({}, [warnA, enforcing], result({ policy: "c" })), { mode: "enforce", via: "policy" });
      assert.deepEqual(modeFor({}, [plain], result({ policy: "d" })), { mode: "enforce", via: "default" });
    });

    it("a denied Pod is let through only when every candidate is in warn mode", () => {
      assert.deepEqual(modeFor({}, [warnA, warnB], denied("a", "b")), { mode: "warn", via: "policy" });
      assert.deepEqual(modeFor({}, [warnA, enforcing], denied("a", "c")), { mode: "enforce", via: "policy" });
      assert.deepEqual(modeFor({}, [], denied()), { mode: "enforce", via: "default" });
    });

    it("an unknown label value enforces (even over a policy in warn mode), with a warning", () => {
      assert.deepEqual(modeFor({ [MODE_LABEL]: "Warn" }, [warnA], result({ policy: "a" })), {
        mode: "enforce",
        via: "label",
        warning: 'secure-defaults: namespace label secure-defaults.io/mode must be enforce or warn, not "Warn": enforcing',
      });
      assert.equal(modeFor({ [MODE_LABEL]: "audit" }, [plain], result({ policy: "d" })).mode, "enforce");
    });
  });

  describe("warnModeResponse", () => {
    const many = result({
      policy: "p",
      object: { spec: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } },
      patch: [{ op: "add", path: "/spec", value: {} }],
      reasons: ["a", "b", "c", "d", "e", "f"].map((k) => ({ path: `spec.${k}`, field: k, message: `set ${k}` })),
    });
    const opts = { uid: "u", patch: true, what: 'pod "p" in namespace "ns"' };

    it("caps the lines as enforce mode does, every line prefixed, the last saying how many more", () => {
      assert.deepEqual(warnModeResponse(many, opts), {
        wouldDo: "would-patch",
        response: {
          uid: "u",
          allowed: true,
          warnings: [
            `${WARN_PREFIX}policy "p" would set 6 defaults`,
            `${WARN_PREFIX}spec.a: 1`,
            `${WARN_PREFIX}spec.b: 2`,
            `${WARN_PREFIX}spec.c: 3`,
            `${WARN_PREFIX}… and 3 more`,
          ],
          auditAnnotations: { mode: "warn", policy: "p", "would-patch": "6: spec.a, spec.b, spec.c, spec.d, spec.e, spec.f" },
        },
      });
    });

    it("on UPDATE nothing would be patched: admitted, annotated with the mode and the policy only", () => {
      assert.deepEqual(warnModeResponse(many, { ...opts, patch: false }), {
        wouldDo: undefined,
        response: { uid: "u", allowed: true, auditAnnotations: { mode: "warn", policy: "p" } },
      });
    });

    it("would-deny: the header, each violation, the paths", () => {
      assert.deepEqual(warnModeResponse(denied("a"), opts), {
        wouldDo: "would-deny",
        response: {
          uid: "u",
          allowed: true,
          warnings: [`${WARN_PREFIX}would deny pod "p" in namespace "ns" (1 violation):`, `${WARN_PREFIX}spec.hostPID: policy "a" (hostPID): Host PID is not allowed to be used`],
          auditAnnotations: { mode: "warn", "would-deny": "1: spec.hostPID" },
        },
      });
    });

    it("counts a denial under the denying policies, sorted", () => {
      assert.equal(policyLabel(denied("b", "a", "b")), "a,b");
      assert.equal(policyLabel(result({ policy: "p" })), "p");
    });
  });
});
