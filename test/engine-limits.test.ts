// Issue 14: the engine refuses Pods above its work limits and Pods whose security fields have the wrong
// type, before any strategy runs (never judged, never patched), with messages naming the limit or field.
import assert from "node:assert/strict";
import { join } from "node:path";
import { evaluate } from "../src/engine/evaluate.js";
import { FieldTypeError } from "../src/engine/field-types.js";
import { checkLimits, LimitExceededError, MAX_CONTAINERS, MAX_LIST_ENTRIES } from "../src/engine/limits.js";
import type { Pod } from "../src/engine/types.js";
import { UnsupportedObjectError } from "../src/engine/workload.js";
import { loadPolicies } from "../src/policy/load.js";

const RESTRICTED = loadPolicies([join(import.meta.dirname, "..", "policies", "restricted.yaml")]).policies;

function pod(spec: Record<string, unknown>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "app:1" }], ...spec } } as Pod;
}

function names(n: number, prefix = "C"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, "0")}`);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}

describe("engine: work limits (issue 14)", () => {
  it(`accepts ${MAX_CONTAINERS} containers and refuses one more, counting init and ephemeral containers`, () => {
    const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}` }));
    checkLimits(pod({ containers: containers(MAX_CONTAINERS - 2), initContainers: containers(1), ephemeralContainers: containers(1) }));
    const error = thrown(() => checkLimits(pod({ containers: containers(MAX_CONTAINERS - 1), initContainers: containers(1), ephemeralContainers: containers(1) })));
    assert.ok(error instanceof LimitExceededError && error instanceof UnsupportedObjectError);
    assert.equal(error.message, "the Pod has 501 containers (init, regular and ephemeral); secure-defaults judges at most 500");
    assert.equal((error as LimitExceededError).field, "spec.containers");
  });

  it(`accepts ${MAX_LIST_ENTRIES} list entries and refuses one more, naming the largest list`, () => {
    const container = (add: string[], drop: string[]) => ({ name: "app", securityContext: { capabilities: { add, drop } } });
    checkLimits(pod({ containers: [container(names(6000), names(3000))], volumes: names(1000).map((name) => ({ name, emptyDir: {} })) }));
    const error = thrown(() =>
      checkLimits(pod({ containers: [container(names(6000), names(3000))], securityContext: { supplementalGroups: [1] }, volumes: names(1000).map((name) => ({ name, emptyDir: {} })) })),
    );
    assert.ok(error instanceof LimitExceededError);
    assert.equal(
      error.message,
      "the Pod's capabilities, ports, volumeMounts, volumes, sysctls and supplementalGroups lists hold 10001 entries together " +
        "(the largest, spec.containers[0].securityContext.capabilities.add, 6000); secure-defaults judges at most 10000",
    );
  });

  it("refuses 200,000 capabilities through evaluate, with the template's path prefix for a workload", () => {
    const template = { spec: { containers: [{ name: "app", securityContext: { capabilities: { drop: names(200_000) } } }] } };
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template } };
    const error = thrown(() => evaluate(deployment, RESTRICTED, { operation: "CREATE" }));
    assert.ok(error instanceof LimitExceededError);
    assert.equal(
      error.message,
      "the Pod's capabilities, ports, volumeMounts, volumes, sysctls and supplementalGroups lists hold 200000 entries together " +
        "(the largest, spec.template.spec.containers[0].securityContext.capabilities.drop, 200000); secure-defaults judges at most 10000",
    );
  });

  it("judges 10,000 distinct capabilities (the limit) in one container: sorted, de-duplicated, ALL added", () => {
    const drop = names(MAX_LIST_ENTRIES).reverse();
    const input = pod({ containers: [{ name: "app", image: "app:1", securityContext: { runAsNonRoot: true, capabilities: { drop } } }] });
    const result = evaluate(input, RESTRICTED, { operation: "CREATE" });
    assert.equal(result.allowed, true);
    const written = (result.object as Pod).spec!.containers[0].securityContext!.capabilities!.drop!;
    assert.equal(written.length, MAX_LIST_ENTRIES + 1);
    assert.deepEqual(written, ["ALL", ...names(MAX_LIST_ENTRIES)].sort());
  });
});

describe("engine: wrongly typed security fields are refused, never patched (issue 14)", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['privileged: "true"', { containers: [{ name: "a", securityContext: { privileged: "true" } }] }, 'spec.containers[0].securityContext.privileged must be a boolean, not the string "true"'],
    ['hostPID: "true"', { hostPID: "true" }, 'spec.hostPID must be a boolean, not the string "true"'],
    ["runAsUser: 1.5", { securityContext: { runAsUser: 1.5 } }, "spec.securityContext.runAsUser must be an integer, not the number 1.5"],
    ["runAsUser as a string", { containers: [{ name: "a", securityContext: { runAsUser: "0" } }] }, 'spec.containers[0].securityContext.runAsUser must be an integer, not the string "0"'],
    ["capabilities.add as a string", { containers: [{ name: "a", securityContext: { capabilities: { add: "SYS_ADMIN" } } }] }, 'spec.containers[0].securityContext.capabilities.add must be a list, not the string "SYS_ADMIN"'],
    ["a number in capabilities.add", { containers: [{ name: "a", securityContext: { capabilities: { add: ["NET_RAW", 7] } } }] }, "spec.containers[0].securityContext.capabilities.add[1] must be a string, not the number 7"],
    ["a null container", { containers: [null] }, "spec.containers[0] must be an object, not null"],
    ["a container that is a string", { initContainers: ["x"] }, 'spec.initContainers[0] must be an object, not the string "x"'],
    ["hostPath: true", { volumes: [{ name: "v", hostPath: true, emptyDir: {} }] }, "spec.volumes[0].hostPath must be an object, not the boolean true"],
    ["a hostPort string", { containers: [{ name: "a", ports: [{ containerPort: 80, hostPort: "80" }] }] }, 'spec.containers[0].ports[0].hostPort must be an integer, not the string "80"'],
    ["securityContext as a list", { containers: [{ name: "a", securityContext: [] }] }, "spec.containers[0].securityContext must be an object, not a list"],
    ["an annotation that is a number", { __metadata: { annotations: { a: "x", b: 1 } } }, "metadata.annotations.b must be a string, not the number 1"],
  ];
  for (const [what, spec, message] of cases) {
    it(`refuses ${what}`, () => {
      const { __metadata, ...rest } = spec;
      const input = { ...pod(rest), ...(__metadata ? { metadata: __metadata } : {}) };
      const error = thrown(() => evaluate(input, RESTRICTED, { operation: "CREATE" }));
      assert.ok(error instanceof FieldTypeError && error instanceof UnsupportedObjectError, String(error));
      assert.equal(error.message, `1 field has the wrong type: ${message}`);
    });
  }

  it("counts null as unset, as Kubernetes does", () => {
    const input = pod({ hostPID: null, securityContext: null, containers: [{ name: "a", image: "a:1", securityContext: { privileged: null, capabilities: null } }] });
    assert.equal(evaluate(input, RESTRICTED, { operation: "CREATE" }).allowed, true);
  });

  it("names at most 10 fields and counts the rest, with the template prefix", () => {
    const containers = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}`, securityContext: { privileged: "yes" } }));
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: { containers } } } };
    const error = thrown(() => evaluate(job, RESTRICTED, { operation: "CREATE" }));
    assert.ok(error instanceof FieldTypeError);
    const listed = Array.from({ length: 10 }, (_, i) => `spec.template.spec.containers[${i}].securityContext.privileged must be a boolean, not the string "yes"`);
    assert.equal(error.message, `12 fields have the wrong type: ${listed.join("; ")}; and 2 more`);
    assert.equal(error.field, "spec.template.spec.containers[0].securityContext.privileged");
  });
});
