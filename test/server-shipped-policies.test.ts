// The webhook over TLS with the shipped policies/restricted.yaml: the properties that make "restricted"
// restricted, a valid Pod after the patch, and idempotence (the patched Pod needs no second patch).
// Exact field-by-field behaviour is pinned with test-local policies in server-admission-cases.test.ts.
// (The whole policies/ directory is not used here: its "privileged" policy is unbound, so it wins
// everywhere until it is bound, as its own header says.)
import assert from "node:assert/strict";
import { join } from "node:path";
import { admissionReview, decodePatch, pod, startHarness, type Harness } from "./support/server-harness.js";
import { applyJsonPatch } from "./support/server-json-patch.js";
import { assertValidPod } from "./support/pod-schema.js";

const RESTRICTED = join(import.meta.dirname, "..", "policies", "restricted.yaml");

describe("server: the shipped policies over TLS", () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ policies: [RESTRICTED], defaultPolicy: "restricted" });
  });
  after(async () => harness?.close());

  async function mutate(object: unknown, namespace = "apps") {
    const reply = await harness.client.request("/mutate", admissionReview({ object, namespace }));
    assert.equal(reply.status, 200, reply.text);
    return reply.json.response;
  }

  it("hardens a Pod that sets nothing, into a valid Pod that needs no second patch", async () => {
    const input = pod("web", "apps", {
      initContainers: [{ name: "init", image: "registry.example/init:1" }],
      volumes: [{ name: "tmp", emptyDir: {} }],
    });
    const response = await mutate(input);
    assert.equal(response.allowed, true, JSON.stringify(response.status));
    assert.equal(response.auditAnnotations.policy, "restricted");
    const patched = applyJsonPatch(input, decodePatch(response)) as typeof input & {
      spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[]; initContainers: { securityContext: Record<string, unknown> }[] };
    };
    assertValidPod(patched);
    for (const c of [...patched.spec.containers, ...patched.spec.initContainers]) {
      assert.equal(c.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual((c.securityContext.capabilities as { drop: string[] }).drop, ["ALL"]);
    }
    assert.deepEqual(patched.spec.securityContext.seccompProfile, { type: "RuntimeDefault" });

    const again = await mutate(patched);
    assert.equal(again.allowed, true);
    assert.equal(again.patch, undefined, "the webhook's own output is left alone");
  });

  it("denies a privileged Pod under restricted, naming the field", async () => {
    const response = await mutate(pod("root", "apps", { containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] }));
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 403);
    assert.match(response.status.message, /spec\.containers\[0\]\.securityContext\.privileged: policy "restricted"/);
  });
});
