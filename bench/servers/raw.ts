// The raw floor: node:https with no framework. It parses the AdmissionReview and answers `allowed` with the
// request's uid, so it costs Node + TLS + JSON and nothing else.
// Usage: node dist/bench/servers/raw.js PORT CERT KEY
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const [port, certFile, keyFile] = process.argv.slice(2);

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let review: { request?: { uid?: string } };
    try {
      review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const body = JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: review.request?.uid ?? "", allowed: true },
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 90_000;
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
