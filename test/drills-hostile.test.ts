// A fast subset of drill 1 (drills/hostile.ts, `npm run drills`): a few hundred generated hostile
// requests (fixed seed 1313, printed) to /mutate and /preview over TLS. Every answer is a 4xx with a
// Status message or a well-formed AdmissionReview / preview answer, no stack trace or file path; the
// webhook keeps answering; no env value of any Pod reaches the log or an AdmissionReview answer.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { problemWith } from "../drills/lib/answers.js";
import { sendAll, type DrillRequest } from "../drills/lib/client.js";
import { hostileRequests } from "../drills/hostile-requests.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { admissionReview, pod, startHarness, type Harness } from "./support/server-harness.js";

const SEED = 1313;
const SECRET = "drill-env-value-7f3a9c";


/** The examples' Pods stand in for the real manifests (npm test must not need ../shared). */
function exampleManifests(): unknown[] {
  const dir = join(REPO_ROOT, "examples");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "pod.yaml")))
    .map((d) => parse(readFileSync(join(dir, d.name, "pod.yaml"), "utf8")) as unknown);
}

describe("drills: hostile input (fast subset of drill 1)", function () {
  this.timeout(120_000);
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ policies: [join(REPO_ROOT, "policies")], defaultPolicy: "restricted" });
  });
  after(async () => harness?.close());

  it(`answers every generated request well-formed (seed ${SEED})`, async () => {
    process.stdout.write(`      seed ${SEED} (drills/hostile-requests.ts; replay with npm run drills -- --only 1 --seed ${SEED})\n`);
    const requests = [...hostileRequests(SEED, 0.03, exampleManifests())];
    const endpoint = { host: "127.0.0.1", port: harness.webhook.address.port, ca: harness.tls.ca.certPem };
    const problems: string[] = [];
    const kinds = new Set<string>();
    await sendAll(endpoint, requests, 4, (r: DrillRequest, a) => {
      kinds.add(r.kind ?? "");
      const problem = a.error ? `no answer: ${a.error}` : problemWith(a, r.uid, r.body);
      if (problem) problems.push(`${r.kind} ${r.path}: ${problem}`);
    });
    assert.ok(requests.length >= 300, `${requests.length} requests`);
    assert.deepEqual([...kinds].sort(), ["bombs", "charsets", "deepNesting", "hugeArrays", "protoKeys", "randomBytes", "randomJson", "realManifests", "reviewShape", "sizes", "truncated", "wrongTypes"]);
    assert.deepEqual(problems, []);
  });

  it("still answers an AdmissionReview afterwards, and no Pod's env value is in the log or the AdmissionReview answer", async () => {
    const spec = { containers: [{ name: "app", image: "app:1", env: [{ name: "TOKEN", value: SECRET }] }] };
    const review = admissionReview({ object: pod("p", "team-a", spec), namespace: "team-a" });
    const answer = await harness.client.request("/mutate", review);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.response.uid, review.request.uid);
    const preview = await harness.client.request("/preview", { object: pod("p", "team-a", spec), namespace: "team-a" });
    assert.equal(preview.status, 200);
    // (a /preview answer shows the caller its own object, patched: that is its purpose)
    assert.ok(!answer.text.includes(SECRET));
    assert.ok(!harness.logs.raw.some((line) => line.includes(SECRET)));
  });
});
