// The drills' idea of a well-formed answer (drills/lib/answers.ts): exact verdicts for each kind of answer.
import assert from "node:assert/strict";
import { problemWith } from "../drills/lib/answers.js";

const JSON_TYPE = "application/json; charset=utf-8";
const review = (response: Record<string, unknown>) => JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response });
const status = (code: number, message: string) => JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, message });

describe("drills: well-formed answers", () => {
  const cases: [string, { status: number; contentType?: string; body: string }, string | undefined][] = [
    ["an AdmissionReview with the uid and a JSON patch", { status: 200, contentType: JSON_TYPE, body: review({ uid: "u1", allowed: true, patchType: "JSONPatch", patch: Buffer.from("[]").toString("base64") }) }, undefined],
    ["another uid", { status: 200, contentType: JSON_TYPE, body: review({ uid: "u2", allowed: true }) }, "response uid u2 is not the request's u1"],
    ["a patch that is not base64 JSON", { status: 200, contentType: JSON_TYPE, body: review({ uid: "u1", allowed: true, patchType: "JSONPatch", patch: "%%%" }) }, "patch is not base64 JSON"],
    ["a 400 Status with a message", { status: 400, contentType: JSON_TYPE, body: status(400, "request.uid is missing") }, undefined],
    ["a 400 without a body", { status: 400, body: "" }, "status 400, content-type none"],
    ["a 500 Status", { status: 500, contentType: JSON_TYPE, body: status(500, "internal error") }, "status 500: internal error"],
    ["a stack trace", { status: 400, contentType: JSON_TYPE, body: status(400, "boom\n    at parse (/app/dist/src/x.js:10:5)") }, "leaks a stack trace"],
    ["a file path", { status: 400, contentType: JSON_TYPE, body: status(400, "cannot read /app/dist/src/policy/load.js") }, "leaks a file path (/app/dist/src/policy/load.js)"],
  ];
  for (const [what, answer, expected] of cases) {
    it(`${what}: ${expected ?? "well-formed"}`, () => assert.equal(problemWith(answer, "u1"), expected));
  }

  it("a path the request itself carried (a /preview answer shows the caller its object) is no leak", () => {
    const object = { kind: "Pod", spec: { containers: [{ name: "a", args: ["--upstream=file:///dev/null"] }] } };
    const answer = { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ allowed: true, patch: [], object }) };
    assert.equal(problemWith(answer, undefined, JSON.stringify({ object })), undefined);
    assert.equal(problemWith(answer), "leaks a file path (file://)");
  });
});
