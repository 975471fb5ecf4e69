// A stand-in for the Kubernetes API server, just enough for the namespace informer: LIST and WATCH of
// /api/v1/namespaces over plain HTTP, with namespaces the test adds, changes and removes, watch streams
// it can cut, and failures it can inject. Every request is recorded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeNow, listenOnLoopback, portOf } from "./stub-http.js";
import { writeStubKubeconfig } from "./stub-kubeconfig.js";

interface Namespace {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: { name: string; uid: string; resourceVersion: string; labels: Record<string, string> };
}

interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Namespace;
}

export interface RecordedRequest {
  method: string;
  path: string;
  watch: boolean;
  authorization?: string;
}

export const STUB_TOKEN = "stub-secret-token-0123456789";

export class StubApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly #namespaces = new Map<string, Namespace>();
  readonly #events: { rv: number; event: WatchEvent }[] = [];
  readonly #watchers = new Set<ServerResponse>();
  #rv = 100;
  #server: Server | undefined;
  /** Answer this many of the next LIST requests with 500. */
  failLists = 0;
  /** Answer the next WATCH requests with this status instead of a stream (e.g. 410 Gone, 500). */
  watchStatus: number[] = [];

  set(name: string, labels: Record<string, string>): void {
    const existing = this.#namespaces.get(name);
    const object: Namespace = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, uid: `uid-${name}`, resourceVersion: String(++this.#rv), labels: { "kubernetes.io/metadata.name": name, ...labels } },
    };
    this.#namespaces.set(name, object);
    this.#emit({ type: existing ? "MODIFIED" : "ADDED", object });
  }

  remove(name: string): void {
    const existing = this.#namespaces.get(name);
    if (!existing) return;
    this.#namespaces.delete(name);
    this.#emit({ type: "DELETED", object: { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.#rv) } } });
  }

  #emit(event: WatchEvent): void {
    this.#events.push({ rv: this.#rv, event });
    for (const res of this.#watchers) res.write(`${JSON.stringify(event)}\n`);
  }

  /** Ends every open watch stream, as the API server does when a watch times out. */
  endWatches(): void {
    for (const res of this.#watchers) res.end();
    this.#watchers.clear();
  }

  get openWatches(): number {
    return this.#watchers.size;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://stub");
    const watch = url.searchParams.get("watch") === "true";
    this.requests.push({ method: req.method ?? "", path: url.pathname, watch, authorization: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    if (req.method !== "GET" || url.pathname !== "/api/v1/namespaces") {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404 }));
      return;
    }
    if (!watch) {
      if (this.failLists > 0) {
        this.failLists -= 1;
        res.statusCode = 500;
        res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 500, message: "injected" }));
        return;
      }
      res.end(JSON.stringify({ kind: "NamespaceList", apiVersion: "v1", metadata: { resourceVersion: String(this.#rv) }, items: [...this.#namespaces.values()] }));
      return;
    }
    const status = this.watchStatus.shift();
    if (status !== undefined) {
      res.statusCode = status;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: status }));
      return;
    }
    const since = Number(url.searchParams.get("resourceVersion") ?? "0");
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    for (const { rv, event } of this.#events) if (rv > since) res.write(`${JSON.stringify(event)}\n`);
    this.#watchers.add(res);
    res.on("close", () => this.#watchers.delete(res));
  }

  async start(): Promise<number> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    return listenOnLoopback(this.#server);
  }

  /** Writes a kubeconfig pointing at this server into `dir` and returns its path. */
  kubeconfig(dir: string): string {
    return writeStubKubeconfig(dir, portOf(this.#server!), STUB_TOKEN);
  }

  async stop(): Promise<void> {
    this.endWatches();
    await closeNow(this.#server);
  }
}
