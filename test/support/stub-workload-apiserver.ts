// A stand-in for the Kubernetes API server, just enough for `preview --cluster`: GET of a Namespace and
// LIST of namespaces, pods, deployments, statefulsets, daemonsets, jobs and cronjobs, per namespace or
// across all, paginated with `limit`/`continue` as the real one (items without kind/apiVersion). A test
// loads objects, forbids some lists (403 with the API server's message) and reads the requests made.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parseAllDocuments } from "yaml";
import { closeNow, listenOnLoopback, portOf } from "./stub-http.js";
import { writeStubKubeconfig } from "./stub-kubeconfig.js";

export interface StubObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface StubRequest {
  method: string;
  path: string;
  limit?: string;
  continue?: string;
  authorization?: string;
}

/** Resource (plural) → kind and API group/version served. */
const RESOURCES: Readonly<Record<string, { kind: string; groupVersion: string }>> = {
  namespaces: { kind: "Namespace", groupVersion: "v1" },
  pods: { kind: "Pod", groupVersion: "v1" },
  deployments: { kind: "Deployment", groupVersion: "apps/v1" },
  statefulsets: { kind: "StatefulSet", groupVersion: "apps/v1" },
  daemonsets: { kind: "DaemonSet", groupVersion: "apps/v1" },
  jobs: { kind: "Job", groupVersion: "batch/v1" },
  cronjobs: { kind: "CronJob", groupVersion: "batch/v1" },
};

export const STUB_USER = "jane@example.com";
export const STUB_WORKLOAD_TOKEN = "stub-workload-token-0123456789";

function status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, string>): void {
  res.statusCode = code;
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code }));
}

function byNamespaceAndName(a: StubObject, b: StubObject): number {
  const ka = `${a.metadata.namespace ?? ""}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ""}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export class StubWorkloadApiServer {
  readonly requests: StubRequest[] = [];
  readonly #objects = new Map<string, StubObject[]>();
  readonly #unsorted = new Set<string>();
  #server: Server | undefined;
  /** Lists answered with 403: `resource` in `namespace`, or across all namespaces when namespace is "*". */
  forbidden: { resource: string; namespace: string }[] = [];
  /** Answer this many of the next requests that carry a continue token with 410 Gone (token expired). */
  expireContinue = 0;

  add(...objects: StubObject[]): void {
    for (const object of objects) {
      const resource = Object.entries(RESOURCES).find(([, r]) => r.kind === object.kind)?.[0];
      if (!resource) throw new Error(`the stub does not serve kind ${object.kind}`);
      const list = this.#objects.get(resource) ?? [];
      list.push(object);
      this.#objects.set(resource, list);
      this.#unsorted.add(resource);
    }
  }

  /** The objects of `resource` ordered by namespace and name, as the API server lists them. */
  #sorted(resource: string): StubObject[] {
    const list = this.#objects.get(resource) ?? [];
    if (this.#unsorted.delete(resource)) list.sort(byNamespaceAndName);
    return list;
  }

  /** Adds every object of a YAML file (multi-document). */
  addYaml(text: string): void {
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as StubObject | null;
      if (object) this.add(object);
    }
  }

  #route(pathname: string): { resource: string; namespace?: string; name?: string } | undefined {
    const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(pathname);
    const grouped = /^\/apis\/([a-z.]+\/v1)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(pathname);
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(pathname);
    if (namespace) return { resource: "namespaces", name: decodeURIComponent(namespace[1]) };
    if (core && RESOURCES[core[2]]?.groupVersion === "v1") return { resource: core[2], namespace: core[1] && decodeURIComponent(core[1]) };
    if (grouped && RESOURCES[grouped[3]]?.groupVersion === grouped[1]) return { resource: grouped[3], namespace: grouped[2] && decodeURIComponent(grouped[2]) };
    return undefined;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://stub");
    const limit = url.searchParams.get("limit") ?? undefined;
    const token = url.searchParams.get("continue") ?? undefined;
    this.requests.push({ method: req.method ?? "", path: url.pathname, limit, continue: token, authorization: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    const route = this.#route(url.pathname);
    if (req.method !== "GET" || !route) return status(res, 404, "NotFound", "the server could not find the requested resource");
    const { resource, namespace, name } = route;
    const served = RESOURCES[resource];
    if (name !== undefined) {
      const found = this.#sorted("namespaces").find((o) => o.metadata.name === name);
      if (!found) return status(res, 404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" });
      return void res.end(JSON.stringify(found));
    }
    if (this.forbidden.some((f) => f.resource === resource && f.namespace === (namespace ?? "*"))) {
      const group = served.groupVersion.includes("/") ? served.groupVersion.split("/")[0] : "";
      const where = namespace === undefined ? "at the cluster scope" : `in the namespace "${namespace}"`;
      return status(res, 403, "Forbidden", `${resource}${group ? `.${group}` : ""} is forbidden: User "${STUB_USER}" cannot list resource "${resource}" in API group "${group}" ${where}`, { kind: resource });
    }
    if (token && this.expireContinue > 0) {
      this.expireContinue -= 1;
      return status(res, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
    }
    const all = this.#sorted(resource).filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    const start = token ? Number(Buffer.from(token, "base64url").toString()) : 0;
    const size = limit ? Number(limit) : all.length;
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString("base64url") : undefined;
    // As the real API server: list items carry no apiVersion and kind.
    const items = page.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "apiVersion" && k !== "kind")));
    res.end(JSON.stringify({ kind: `${served.kind}List`, apiVersion: served.groupVersion, metadata: { resourceVersion: "1000", ...(next ? { continue: next } : {}) }, items }));
  }

  async start(): Promise<number> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    return listenOnLoopback(this.#server);
  }

  /** Writes a kubeconfig pointing at this server into `dir` and returns its path. */
  kubeconfig(dir: string, options: { namespace?: string; file?: string } = {}): string {
    return writeStubKubeconfig(dir, portOf(this.#server!), STUB_WORKLOAD_TOKEN, options);
  }

  async stop(): Promise<void> {
    await closeNow(this.#server);
  }
}
