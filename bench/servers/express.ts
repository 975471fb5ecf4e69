// The Express floors: the raw floor's answer through Express 5.
//   lean:    etag and x-powered-by off, no per-request middleware, the body read by hand.
//   default: express.json() + res.json(), the way most Express apps are written.
// Usage: node dist/bench/servers/express.js lean|default PORT CERT KEY
import express from "express";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const [variant, port, certFile, keyFile] = process.argv.slice(2);

function answer(review: { request?: { uid?: string } }) {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: review.request?.uid ?? "", allowed: true } };
}

const app = express();
app.get("/readyz", (_req, res) => {
  res.send("ok");
});

if (variant === "default") {
  app.post("/mutate", express.json({ limit: "2mb" }), (req, res) => {
    res.json(answer(req.body));
  });
} else {
  app.disable("etag");
  app.disable("x-powered-by");
  app.post("/mutate", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let review;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.status(400).end();
        return;
      }
      const body = JSON.stringify(answer(review));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    });
  });
}

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, app);
server.keepAliveTimeout = 90_000;
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
