// The stub API server (server-stub-apiserver.ts) plus NetworkPolicies: a front server that answers
// /apis/networking.k8s.io/v1 itself (LIST cluster-wide with a label selector, LIST per namespace,
// server-side apply PATCH with fieldManager, DELETE with preconditions) and passes everything else
// (namespaces LIST/WATCH) through to the namespace stub. Failures can be injected; requests are recorded.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parse } from "yaml";
import { STUB_TOKEN, StubApiServer } from "./server-stub-apiserver.js";
import { closeNow, listenOnLoopback, portOf } from "./stub-http.js";
import { writeStubKubeconfig } from "./stub-kubeconfig.js";

export interface StoredNetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** The field managers that wrote it (simplified managedFields). */
    managers: string[];
  };
  spec: unknown;
}

export interface NetworkingRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
  /** For PATCH and DELETE: whether the object existed before (an apply that creates is authorized as create). */
  existed?: boolean;
}

const BASE = "/apis/networking.k8s.io/v1";

export class NetworkingStubApiServer {
  /** The namespace stub: set() and remove() namespaces on it. */
  readonly core = new StubApiServer();
  /** Requests under /apis/networking.k8s.io/v1, in order. */
  readonly requests: NetworkingRequest[] = [];
  readonly #objects = new Map<string, StoredNetworkPolicy>();
  readonly #failures: { method: string; status: number; remaining: number }[] = [];
  #server: Server | undefined;
  #uid = 0;
  #rv = 5000;

  /** A NetworkPolicy created by someone else (as kubectl would), with whatever labels it has. */
  putUserPolicy(namespace: string, name: string, spec: unknown, labels?: Record<string, string>): StoredNetworkPolicy {
    return this.#store({ name, namespace, labels }, spec, "kubectl-client-side-apply");
  }

  get(namespace: string, name: string): StoredNetworkPolicy | undefined {
    return this.#objects.get(`${namespace}/${name}`);
  }

  /** Every stored NetworkPolicy, sorted by namespace/name. */
  all(): StoredNetworkPolicy[] {
    return [...this.#objects.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, o]) => o);
  }

  remove(namespace: string, name: string): void {
    this.#objects.delete(`${namespace}/${name}`);
  }

  /** Answer the next `count` requests with this method under /apis/networking.k8s.io/v1 with `status`. */
  failNext(method: "GET" | "PATCH" | "DELETE", status: number, count = 1): void {
    this.#failures.push({ method, status, remaining: count });
  }

  #store(meta: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> }, spec: unknown, manager: string): StoredNetworkPolicy {
    const key = `${meta.namespace}/${meta.name}`;
    const existing = this.#objects.get(key);
    const object: StoredNetworkPolicy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        uid: existing?.metadata.uid ?? `np-uid-${++this.#uid}`,
        resourceVersion: String(++this.#rv),
        ...(meta.labels ? { labels: meta.labels } : {}),
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        managers: [...new Set([...(existing?.metadata.managers ?? []), manager])],
      },
      spec,
    };
    this.#objects.set(key, object);
    return object;
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.statusCode = status;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  }

  #status(res: ServerResponse, code: number, message: string): void {
    this.#send(res, code, { kind: "Status", apiVersion: "v1", status: "Failure", code, message });
  }

  #list(items: StoredNetworkPolicy[]): unknown {
    return { kind: "NetworkPolicyList", apiVersion: "networking.k8s.io/v1", metadata: { resourceVersion: String(this.#rv) }, items };
  }

  #handleNetworking(req: IncomingMessage, res: ServerResponse, url: URL, text: string): void {
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers["content-type"];
    let body: unknown;
    if (text) body = contentType?.includes("yaml") ? parse(text) : JSON.parse(text);
    const named = /\/namespaces\/([^/]+)\/networkpolicies\/([^/]+)$/.exec(url.pathname);
    const existed = named ? this.get(named[1], named[2]) !== undefined : undefined;
    this.requests.push({ method: req.method ?? "", path: url.pathname, query, contentType, body, ...(named ? { existed } : {}) });
    const failure = this.#failures.find((f) => f.method === req.method && f.remaining > 0);
    if (failure) {
      failure.remaining -= 1;
      return this.#status(res, failure.status, "injected failure");
    }
    const all = url.pathname === `${BASE}/networkpolicies`;
    const match = /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/networkpolicies(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method === "GET" && all) {
      const [key, value] = (query.labelSelector ?? "").split("=");
      return this.#send(res, 200, this.#list(this.all().filter((o) => !key || o.metadata.labels?.[key] === value)));
    }
    if (!match) return this.#status(res, 404, "not found");
    const [, namespace, name] = match;
    if (req.method === "GET" && !name) return this.#send(res, 200, this.#list(this.all().filter((o) => o.metadata.namespace === namespace)));
    if (req.method === "PATCH" && name) {
      if (contentType !== "application/apply-patch+yaml") return this.#status(res, 415, `only server-side apply is served, not ${contentType}`);
      if (!query.fieldManager) return this.#status(res, 400, "fieldManager is required for apply patch");
      const applied = body as { metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: unknown };
      if (applied.metadata.name !== name || (applied.metadata.namespace ?? namespace) !== namespace) return this.#status(res, 400, "name or namespace mismatch");
      const stored = this.#store({ ...applied.metadata, namespace }, applied.spec, query.fieldManager);
      return this.#send(res, 200, stored);
    }
    if (req.method === "DELETE" && name) {
      const existing = this.get(namespace, name);
      if (!existing) return this.#status(res, 404, `networkpolicies "${name}" not found`);
      const uid = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
      if (uid && uid !== existing.metadata.uid) return this.#status(res, 409, "precondition failed: uid");
      this.remove(namespace, name);
      return this.#send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success" });
    }
    return this.#status(res, 405, "method not allowed");
  }

  #proxy(req: IncomingMessage, res: ServerResponse, corePort: number): void {
    const upstream = request({ host: "127.0.0.1", port: corePort, path: req.url, method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      res.flushHeaders(); // a watch sends its headers long before its first event
      reply.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  async start(): Promise<number> {
    const corePort = await this.core.start();
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://stub");
      if (!url.pathname.startsWith(`${BASE}/`)) return this.#proxy(req, res, corePort);
      let text = "";
      req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      req.on("end", () => this.#handleNetworking(req, res, url, text));
    });
    return listenOnLoopback(this.#server);
  }

  /** Writes a kubeconfig pointing at the front server into `dir` and returns its path. */
  kubeconfig(dir: string): string {
    return writeStubKubeconfig(dir, portOf(this.#server!), STUB_TOKEN);
  }

  async stop(): Promise<void> {
    await this.core.stop();
    await closeNow(this.#server);
  }
}
