// Warn mode over TLS through /mutate: the policy's `mode: warn` field and the namespace label
// secure-defaults.io/mode (from the namespace cache against the stub API server). In warn mode the
// webhook admits unchanged (no patch) and says in warnings and audit annotations what enforce would do;
// a metric counts it by namespace and policy; /preview shows the enforce outcome plus `mode`.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MODE_LABEL } from "../src/admission/mode.js";
import { RUN_AS_NON_ROOT_WARNING } from "../src/engine/run-as-non-root-warning.js";
import { admissionReview, decodePatch, eventually, pod, removeDir, SERVER_FIXTURES, startHarness, tempDir, type Harness } from "./support/server-harness.js";
import { StubApiServer } from "./support/server-stub-apiserver.js";

const POLICIES = join(SERVER_FIXTURES, "warn-mode");
const ENABLED = { "secure-defaults.io/enabled": "true" };
const PRIVILEGED = { containers: [{ name: "app", image: "registry.example/app:1.0", securityContext: { privileged: true } }] };

/** The three defaults both test policies set on the one container of `pod()`. */
const WOULD_PATCH = "3: spec.containers[0].securityContext.runAsNonRoot, spec.containers[0].securityContext.capabilities, spec.containers[0].securityContext.allowPrivilegeEscalation";

function wouldPatchWarnings(policy: string): string[] {
  return [
    `secure-defaults (warn mode): policy "${policy}" would set 3 defaults`,
    `secure-defaults (warn mode): ${RUN_AS_NON_ROOT_WARNING}`.slice(0, 119) + "…",
    "secure-defaults (warn mode): spec.containers[0].securityContext.runAsNonRoot: true",
    'secure-defaults (warn mode): spec.containers[0].securityContext.capabilities: {"drop":["ALL"]}',
    "secure-defaults (warn mode): spec.containers[0].securityContext.allowPrivilegeEscalation: false",
  ];
}

function wouldDenyWarnings(policy: string, namespace: string): string[] {
  return [
    `secure-defaults (warn mode): would deny pod "p" in namespace "${namespace}" (1 violation):`,
    // 120 characters at most (WARNING_MAX_CHARS): the end of the message is cut
    `secure-defaults (warn mode): spec.containers[0].securityContext.privileged: policy "${policy}" (privileged): Privileged containers are not allowed`.slice(0, 119) + "…",
  ];
}

async function mutate(harness: Harness, namespace: string, spec: Record<string, unknown> = {}) {
  const reply = await harness.client.request("/mutate", admissionReview({ object: pod("p", namespace, spec), namespace, uid: `uid-${namespace}` }));
  assert.equal(reply.status, 200, reply.text);
  return reply.json.response;
}

async function warnCounts(harness: Harness): Promise<string[]> {
  const reply = await harness.client.request("/metrics");
  return reply.text.split("\n").filter((l) => l.startsWith("secure_defaults_warn_mode_total{"));
}

describe("warn mode", () => {
  describe("the policy field mode: warn", () => {
    let harness: Harness;
    before(async () => {
      harness = await startHarness({ policies: [POLICIES], defaultPolicy: "strict" });
    });
    after(async () => harness?.close());

    it("admits a Pod enforce mode would default unchanged: no patch, the would-be defaults as warnings, would-patch audited", async () => {
      assert.deepEqual(await mutate(harness, "watched"), {
        uid: "uid-watched",
        allowed: true,
        warnings: wouldPatchWarnings("watched"),
        auditAnnotations: { mode: "warn", policy: "watched", "would-patch": WOULD_PATCH },
      });
    });

    it("admits a Pod enforce mode would deny: the violations as warnings, would-deny audited", async () => {
      assert.deepEqual(await mutate(harness, "watched", PRIVILEGED), {
        uid: "uid-watched",
        allowed: true,
        warnings: wouldDenyWarnings("watched", "watched"),
        auditAnnotations: { mode: "warn", "would-deny": "1: spec.containers[0].securityContext.privileged" },
      });
    });

    it("leaves enforce mode as it was for the other policy", async () => {
      const response = await mutate(harness, "elsewhere");
      assert.equal(response.allowed, true);
      assert.equal(decodePatch(response).length, 1);
      assert.deepEqual(response.auditAnnotations, { policy: "strict", changes: WOULD_PATCH });
      const denied = await mutate(harness, "elsewhere", PRIVILEGED);
      assert.equal(denied.allowed, false);
      assert.equal(denied.status.code, 403);
    });

    it("counts would-patch and would-deny by namespace and policy", async () => {
      assert.deepEqual(await warnCounts(harness), [
        'secure_defaults_warn_mode_total{namespace="watched",policy="watched",outcome="would-patch"} 1',
        'secure_defaults_warn_mode_total{namespace="watched",policy="watched",outcome="would-deny"} 1',
      ]);
    });

    it("/preview shows what enforce mode would do, the mode, and the warn-mode response", async () => {
      const reply = await harness.client.request("/preview", { object: pod("p", "watched") });
      assert.equal(reply.status, 200, reply.text);
      const answer = reply.json;
      assert.equal(answer.mode, "warn");
      assert.equal(answer.allowed, true);
      assert.equal(answer.policy, "watched");
      assert.deepEqual(
        answer.patch.map((op: { path: string }) => op.path),
        ["/spec/containers/0/securityContext"],
      );
      assert.equal(answer.response.patch, undefined);
      assert.deepEqual(answer.response.warnings, wouldPatchWarnings("watched"));
      const enforced = await harness.client.request("/preview", { object: pod("p", "elsewhere") });
      assert.equal(enforced.json.mode, "enforce");
    });
  });

  describe("the namespace label secure-defaults.io/mode", () => {
    let stub: StubApiServer;
    let harness: Harness;
    let dir: string;

    before(async () => {
      stub = new StubApiServer();
      stub.set("trial", { ...ENABLED, [MODE_LABEL]: "warn" });
      stub.set("watched", { ...ENABLED, [MODE_LABEL]: "enforce" });
      stub.set("typo", { ...ENABLED, [MODE_LABEL]: "audit" });
      await stub.start();
      dir = tempDir("sd-warn-");
      harness = await startHarness({
        policies: [POLICIES],
        defaultPolicy: "strict",
        cluster: { kubeconfig: stub.kubeconfig(dir) },
        namespaceWaitMs: 30_000,
        namespaceRestartDelayMs: 50,
      });
      await eventually(async () => (await harness.client.request("/readyz")).status === 200, "readiness");
    });

    after(async () => {
      await harness?.close();
      await stub?.stop();
      removeDir(dir);
    });

    it("mode=warn puts an enforcing policy in warn mode for the namespace: would-patch", async () => {
      assert.deepEqual(await mutate(harness, "trial"), {
        uid: "uid-trial",
        allowed: true,
        warnings: wouldPatchWarnings("strict"),
        auditAnnotations: { mode: "warn", policy: "strict", "would-patch": WOULD_PATCH },
      });
    });

    it("mode=warn: would-deny", async () => {
      assert.deepEqual(await mutate(harness, "trial", PRIVILEGED), {
        uid: "uid-trial",
        allowed: true,
        warnings: wouldDenyWarnings("strict", "trial"),
        auditAnnotations: { mode: "warn", "would-deny": "1: spec.containers[0].securityContext.privileged" },
      });
    });

    it("mode=enforce overrides a policy's mode: warn", async () => {
      const response = await mutate(harness, "watched");
      assert.deepEqual(response.auditAnnotations, { policy: "watched", changes: WOULD_PATCH });
      assert.equal(decodePatch(response).length, 1);
      assert.equal((await mutate(harness, "watched", PRIVILEGED)).allowed, false);
    });

    it("an unknown mode enforces, and says so", async () => {
      const response = await mutate(harness, "typo", PRIVILEGED);
      assert.equal(response.allowed, false);
      assert.deepEqual(response.warnings, ['secure-defaults: namespace label secure-defaults.io/mode must be enforce or warn, not "audit": enforcing']);
    });

    it("follows a label change (watch): back to enforce", async () => {
      stub.set("trial", ENABLED);
      await eventually(async () => (await mutate(harness, "trial")).patch !== undefined, "enforce mode after the label is removed");
    });

    it("counts by namespace and policy", async () => {
      assert.deepEqual(await warnCounts(harness), [
        'secure_defaults_warn_mode_total{namespace="trial",policy="strict",outcome="would-patch"} 1',
        'secure_defaults_warn_mode_total{namespace="trial",policy="strict",outcome="would-deny"} 1',
      ]);
    });
  });

  describe("the mode field is reloaded with the policy file", () => {
    let harness: Harness;
    let dir: string;
    before(async () => {
      dir = tempDir("sd-warn-reload-");
      writeFileSync(join(dir, "watched.yaml"), readFileSync(join(POLICIES, "watched.yaml"), "utf8"));
      harness = await startHarness({ policies: [dir] });
    });
    after(async () => {
      await harness?.close();
      removeDir(dir);
    });

    it("warn, then enforce after the file says mode: enforce", async () => {
      assert.equal((await mutate(harness, "watched")).patch, undefined);
      writeFileSync(join(dir, "watched.yaml"), readFileSync(join(POLICIES, "watched.yaml"), "utf8").replace("mode: warn", "mode: enforce"));
      const response = await eventually(async () => {
        const r = await mutate(harness, "watched");
        return r.patch ? r : undefined;
      }, "enforce mode after the reload");
      assert.deepEqual(response.auditAnnotations, { policy: "watched", changes: WOULD_PATCH });
    });
  });
});
