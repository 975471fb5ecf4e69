// The webhook end to end, as the API server calls it: AdmissionReviews from test/fixtures/server/admission
// POSTed over TLS (trusting only the test CA), the base64 patch decoded and applied with an independent
// RFC 6902 implementation, the result compared exactly and checked against the v1 Pod schema.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { admissionReview, decodePatch, SERVER_FIXTURES, startHarness, type Harness, type ReviewInput } from "./support/server-harness.js";
import { applyJsonPatch } from "./support/server-json-patch.js";
import { assertValidPod } from "./support/pod-schema.js";

interface Case extends ReviewInput {
  id: string;
  description: string;
  expect: {
    allowed: boolean;
    object?: unknown;
    policy?: string;
    code?: number;
    messageIncludes?: string[];
    warnings?: string[];
  };
}

const CASES_DIR = join(SERVER_FIXTURES, "admission");

function loadCases(): Case[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(CASES_DIR, file), "utf8")).map((doc, i) => {
        if (doc.errors.length) throw new Error(`${file}#${i}: ${doc.errors[0].message}`);
        return { id: `${file}#${i}`, ...(doc.toJS() as Omit<Case, "id">) };
      }),
    );
}

const cases = loadCases();

describe("server: admission cases over TLS (test/fixtures/server/admission)", () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
  });
  after(async () => harness?.close());

  it("has cases", () => assert.ok(cases.length >= 15));

  for (const c of cases) {
    it(`${c.description} (${c.id})`, async () => {
      const review = admissionReview(c);
      const reply = await harness.client.request("/mutate?timeout=10s", review);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.apiVersion, "admission.k8s.io/v1");
      assert.equal(reply.json.kind, "AdmissionReview");
      const response = reply.json.response;
      assert.equal(response.uid, review.request.uid, "the response carries the request's uid");
      assert.equal(response.allowed, c.expect.allowed, JSON.stringify(response.status ?? response));

      if (!c.expect.allowed) {
        assert.equal(response.patch, undefined, "a denial has no patch");
        assert.equal(response.status.code, c.expect.code);
        for (const text of c.expect.messageIncludes ?? []) {
          assert.ok(response.status.message.includes(text), `message ${JSON.stringify(response.status.message)} lacks ${JSON.stringify(text)}`);
        }
        return;
      }

      if (c.expect.object === undefined) {
        assert.equal(response.patch, undefined, `no patch expected, got ${JSON.stringify(decodePatch(response))}`);
        assert.equal(response.patchType, undefined);
      } else {
        assert.equal(response.patchType, "JSONPatch");
        const patched = applyJsonPatch(c.object, decodePatch(response));
        assert.deepEqual(patched, c.expect.object);
        if ((patched as { kind?: string }).kind === "Pod") assertValidPod(patched);
        const changes = response.auditAnnotations?.changes as string;
        assert.match(changes, /^\d+: spec\./, "the changes audit annotation lists the changed fields");
        assert.ok(changes.length <= 256);
      }
      if (c.expect.policy !== undefined) assert.equal(response.auditAnnotations?.policy, c.expect.policy);
      if (c.expect.warnings !== undefined) assert.deepEqual(response.warnings, c.expect.warnings);
      for (const w of response.warnings ?? []) assert.ok(w.length <= 120, `warning too long: ${w}`);
      assert.ok((response.warnings ?? []).length <= 5);
    });
  }

  it("logs one JSON line per admission request, without objects", () => {
    const lines = harness.logs.find("admission");
    assert.ok(lines.length >= cases.length, `${lines.length} admission log lines for ${cases.length} cases`);
    for (const line of lines) {
      for (const key of ["uid", "namespace", "kind", "operation", "allowed", "patchOperations", "durationMs"]) {
        assert.ok(key in line, `log line lacks ${key}: ${JSON.stringify(line)}`);
      }
      assert.equal("object" in line, false);
      assert.equal(typeof line.durationMs, "number");
    }
    assert.ok(!harness.logs.raw.some((l) => l.includes("registry.example")), "no object content (images) in the logs");
  });
});
