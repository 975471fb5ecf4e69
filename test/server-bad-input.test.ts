// Bad input over real TLS: every malformed request gets a clear 4xx, none takes the server down, and each
// is counted; afterwards the webhook still answers AdmissionReviews.
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { admissionReview, pod, SERVER_FIXTURES, startHarness, type Harness } from "./support/server-harness.js";

/** Streams `size` bytes of a JSON string document (optionally without Content-Length) and returns the status. */
function postLarge(harness: Harness, size: number, chunked: boolean, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const prefix = '{"pad":"';
    const suffix = '"}';
    const fill = size - prefix.length - suffix.length;
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port: harness.webhook.address.port,
        path: "/mutate",
        method: "POST",
        ca: harness.tls.ca.certPem,
        agent: false,
        headers: { "content-type": "application/json", ...(chunked ? {} : { "content-length": String(size) }), ...headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.write(prefix);
    const chunk = "x".repeat(64 * 1024);
    let left = fill;
    const pump = () => {
      while (left > 0) {
        const piece = chunk.slice(0, Math.min(chunk.length, left));
        left -= piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end(suffix);
    };
    pump();
  });
}

const ACCEPTED = "secure-defaults reads only identity-encoded (uncompressed) UTF-8 JSON, which is what the API server sends";
const unsupportedEncoding = (encoding: string) => `unsupported Content-Encoding "${encoding}": ${ACCEPTED}`;
const unsupportedCharset = (charset: string, type: string) => `unsupported charset "${charset}" in Content-Type "${type}": ${ACCEPTED}`;
const unsupported = (message: string) => ({ kind: "Status", apiVersion: "v1", status: "Failure", code: 415, reason: "UnsupportedMediaType", message });

/** A regular expression matching exactly `text`. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

describe("server: bad input over TLS", () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
  });
  after(async () => harness?.close());

  const MiB = 1024 * 1024;

  it("answers 413 to a body over 3 MiB (with Content-Length)", async () => {
    const reply = await postLarge(harness, 3 * MiB + 1, false);
    assert.equal(reply.status, 413);
    assert.equal(JSON.parse(reply.body).message, "the request body is larger than 3 MiB");
  });

  it("answers 413 to a body of twice the limit that is still being sent (the client reads the answer, no broken pipe)", async () => {
    for (const chunked of [false, true]) {
      const reply = await postLarge(harness, 6 * MiB, chunked);
      assert.equal(reply.status, 413);
      assert.equal(JSON.parse(reply.body).message, "the request body is larger than 3 MiB");
    }
  });

  it("answers a request node:http refuses (Content-Length with Transfer-Encoding) with a JSON Status, not a bare 400", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: harness.webhook.address.port, servername: "localhost", ca: harness.tls.ca.certPem }, () => {
        socket.end("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
      });
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    const [head, body] = answer.split("\r\n\r\n");
    assert.equal(head.split("\r\n")[0], "HTTP/1.1 400 Bad Request");
    assert.match(head, /\r\nContent-Type: application\/json; charset=utf-8\r\n/);
    assert.deepEqual(JSON.parse(body), { kind: "Status", apiVersion: "v1", status: "Failure", code: 400, reason: "BadRequest", message: "the request has both Content-Length and Transfer-Encoding, or an invalid Transfer-Encoding" });
  });

  it("answers 413 to a chunked body over 3 MiB", async () => {
    const reply = await postLarge(harness, 3 * MiB + 100, true);
    assert.equal(reply.status, 413);
  });

  it("accepts a body just under 3 MiB (then rejects it as no AdmissionReview)", async () => {
    const reply = await postLarge(harness, 3 * MiB - 10, false);
    assert.equal(reply.status, 400);
    assert.match(JSON.parse(reply.body).message, /apiVersion must be "admission.k8s.io\/v1"/);
  });

  const cases: [string, string | Buffer, Record<string, string>, number, RegExp][] = [
    ["malformed JSON", '{"apiVersion": "admission.k8s.io/v1", ', {}, 400, /^the request body is not valid JSON: /],
    ["a JSON string instead of an object", '"AdmissionReview"', {}, 400, /^the request body is not valid JSON: /],
    ["a JSON array", "[]", {}, 400, /the body must be a JSON object: an AdmissionReview/],
    ["an empty body", "", {}, 400, /^the request body is empty: POST an AdmissionReview$/],
    ["the v1beta1 AdmissionReview", JSON.stringify({ ...admissionReview({ object: pod("p", "n") }), apiVersion: "admission.k8s.io/v1beta1" }), {}, 400, /apiVersion must be "admission.k8s.io\/v1" \(got "admission.k8s.io\/v1beta1"\); set admissionReviewVersions/],
    ["a wrong kind", JSON.stringify({ ...admissionReview({ object: pod("p", "n") }), kind: "AdmissionRequest" }), {}, 400, /kind must be "AdmissionReview" \(got "AdmissionRequest"\)/],
    ["no request", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), {}, 400, /^the AdmissionReview has no request$/],
    ["no uid", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { ...admissionReview({ object: pod("p", "n") }).request, uid: undefined } }), {}, 400, /^request.uid is missing$/],
    ["a corrupt gzip body", Buffer.from("not gzip at all"), { "content-encoding": "gzip" }, 415, exactly(unsupportedEncoding("gzip"))],
    ["an unknown content encoding", "{}", { "content-encoding": "br2" }, 415, exactly(unsupportedEncoding("br2"))],
    ["a charset other than UTF-8", "{}", { "content-type": "application/json; charset=latin1" }, 415, exactly(unsupportedCharset("latin1", "application/json; charset=latin1"))],
    ["only whitespace", " \n ", {}, 400, /^the request body is not valid JSON: expected an object or an array, found nothing$/],
  ];
  for (const [what, raw, headers, status, message] of cases) {
    it(`answers ${status} to ${what}, with a clear message`, async () => {
      const reply = await harness.client.request("/mutate", undefined, { raw, headers, method: "POST" });
      assert.equal(reply.status, status, reply.text);
      assert.equal(reply.json.kind, "Status");
      assert.match(reply.json.message, message);
    });
  }

  it("refuses a gzip-compressed AdmissionReview with a 415 Status naming the header (the API server sends identity-encoded UTF-8)", async () => {
    const review = admissionReview({ object: pod("gz", "strict-ns"), namespace: "strict-ns" });
    const reply = await harness.client.request("/mutate", undefined, { raw: gzipSync(JSON.stringify(review)), headers: { "content-encoding": "gzip" } });
    assert.equal(reply.status, 415, reply.text);
    assert.equal(reply.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(reply.headers.connection, "close", "the body was dropped unread");
    assert.deepEqual(reply.json, unsupported(unsupportedEncoding("gzip")));
  });

  it("answers a plain AdmissionReview, and the same review gzip-compressed with the 415 (one /mutate path, on node:http)", async () => {
    const review = admissionReview({ object: pod("same", "strict-ns"), namespace: "strict-ns" });
    const plain = await harness.client.request("/mutate?timeout=10s", undefined, { raw: JSON.stringify(review), headers: {}, method: "POST" });
    const gzip = await harness.client.request("/mutate?timeout=10s", undefined, { raw: gzipSync(JSON.stringify(review)), headers: { "content-encoding": "gzip" }, method: "POST" });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(plain.json.response.patchType, "JSONPatch");
    assert.equal(gzip.status, 415, gzip.text);
    assert.deepEqual(gzip.json, unsupported(unsupportedEncoding("gzip")));
  });

  for (const path of ["/mutate", "/preview"]) {
    const body = (name: string) => (path === "/mutate" ? admissionReview({ object: pod(name, "strict-ns"), namespace: "strict-ns" }) : { object: pod(name, "strict-ns") });
    const refused: [string, Buffer, Record<string, string>, string][] = [
      ["Content-Encoding: gzip", gzipSync(JSON.stringify(body("gz"))), { "content-encoding": "gzip" }, unsupportedEncoding("gzip")],
      ["charset=latin1", Buffer.from(JSON.stringify(body("caf\u00e9")), "latin1"), { "content-type": "application/json; charset=latin1" }, unsupportedCharset("latin1", "application/json; charset=latin1")],
    ];
    for (const [what, raw, headers, message] of refused) {
      it(`answers 415 to POST ${path} with ${what}, counts and logs it, and keeps serving`, async () => {
        const count = () => harness.metrics.errors.get().then((m) => m.values.find((v) => v.labels.type === "bad_request")?.value ?? 0);
        const before = await count();
        const logged = harness.logs.lines.length;
        const reply = await harness.client.request(path, undefined, { raw, headers, method: "POST" });
        assert.equal(reply.status, 415, reply.text);
        assert.deepEqual(reply.json, unsupported(message));
        assert.equal(await count(), before + 1);
        const warnings = harness.logs.lines.slice(logged).map(({ timestamp, ...line }) => (assert.equal(typeof timestamp, "string"), line));
        assert.deepEqual(warnings, [{ level: "warn", message: "bad request", path, status: 415, error: message }]);
        const after = await harness.client.request(path, body("after"));
        assert.equal(after.status, 200, after.text);
      });
    }
  }

  it("answers 415 to a compressed body of 6 MiB that is still being sent (dropped unread, then the answer)", async () => {
    for (const chunked of [false, true]) {
      const reply = await postLarge(harness, 6 * MiB, chunked, { "content-encoding": "gzip" });
      assert.equal(reply.status, 415);
      assert.deepEqual(JSON.parse(reply.body), unsupported(unsupportedEncoding("gzip")));
    }
  });

  it("answers 405 to GET /mutate and 404 to unknown paths", async () => {
    const get = await harness.client.request("/mutate");
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, "POST");
    const unknown = await harness.client.request("/validate", {});
    assert.equal(unknown.status, 404);
  });

  it("counted the bad requests and is still alive and answering", async () => {
    const metrics = await harness.client.request("/metrics");
    const count = Number(/^secure_defaults_errors_total\{type="bad_request"\} (\d+)$/m.exec(metrics.text)?.[1]);
    assert.ok(count >= cases.length + 3, `bad_request errors counted: ${count}`);
    assert.equal((await harness.client.request("/healthz")).status, 200);
    const review = admissionReview({ object: pod("after", "strict-ns"), namespace: "strict-ns" });
    const reply = await harness.client.request("/mutate", review);
    assert.equal(reply.json.response.allowed, true);
    assert.ok(reply.json.response.patch);
    const warnings = harness.logs.lines.filter((l) => l.level === "warn" && typeof l.message === "string" && l.message.startsWith("bad"));
    assert.ok(warnings.length >= cases.length, "each bad request is logged");
    assert.ok(!harness.logs.raw.some((l) => l.includes("xxxxxxxx")), "bodies are not logged");
  });
});
