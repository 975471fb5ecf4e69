// Just enough of a Kubernetes API for Pepr's StoreController to bind its admission routes: GET, PATCH,
// LIST and WATCH of `pepr.dev/v1 peprstores` in one namespace (shared/env.md §3). Plain HTTP on loopback;
// Pepr's kubeconfig points at it with insecure-skip-tls-verify.
// Usage: node dist/bench/lib/fake-apiserver.js PORT
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 16443);
type Store = { apiVersion: string; kind: string; metadata: { name: string; namespace: string; uid: string; resourceVersion: string; labels: Record<string, string> }; data: Record<string, string> };
const stores = new Map<string, Store>();
const make = (namespace: string, name: string): Store => ({
  apiVersion: "pepr.dev/v1",
  kind: "PeprStore",
  metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: "1", labels: {} },
  data: {},
});

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    const m = /^\/apis\/pepr\.dev\/v1\/namespaces\/([^/]+)\/peprstores(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404 }));
      return;
    }
    const [, namespace, name] = m;
    if (name) {
      if (!stores.has(name)) stores.set(name, make(namespace, name));
      res.end(JSON.stringify(stores.get(name)));
      return;
    }
    if (req.method === "POST") {
      const o = JSON.parse(body) as Store;
      stores.set(o.metadata.name, { ...make(namespace, o.metadata.name), ...o });
      res.end(JSON.stringify(stores.get(o.metadata.name)));
      return;
    }
    if (url.searchParams.get("watch") === "true") {
      res.write(""); // hold the watch open, with no events
      return;
    }
    const selected = (url.searchParams.get("fieldSelector") ?? "").replace("metadata.name=", "");
    const items = [...stores.values()].filter((s) => !selected || s.metadata.name === selected);
    res.end(JSON.stringify({ apiVersion: "pepr.dev/v1", kind: "PeprStoreList", metadata: { resourceVersion: "1" }, items }));
  });
}).listen(port, "127.0.0.1");
