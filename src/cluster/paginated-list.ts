// Read-only LIST (and one GET) calls against the API server, through @kubernetes/client-node: the
// KubeConfig authenticates the request and sets up TLS exactly as the generated API clients do, and the
// body is kept as the API server's JSON. (The generated clients' deserialiser keeps only the fields the
// 1.4.0 models know, so a Pod field newer than the models would silently vanish before evaluation.)
// Lists are paginated with `limit` and `continue`, as `kubectl get --chunk-size` does.
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from "@kubernetes/client-node";
import { isObject } from "../engine/json.js";

/** An API resource to list: `group` "" is the core API (`/api/v1`). */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name, e.g. `pods`, `deployments`. */
  resource: string;
  /** The kind of the items (list items carry no kind/apiVersion of their own). */
  kind: string;
}

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [key: string]: unknown };
};

/** A call failed: not allowed, not found, unreachable or an unexpected answer. The message says which call. */
export class ClusterReadError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the API server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ClusterReadError";
  }
}

export interface ListOptions {
  /** Items per page (`limit`); default 500, as kubectl. */
  chunkSize?: number;
  /** Called after each page with the number of items read so far for this resource. */
  onPage?: (itemsSoFar: number) => void;
}

const http = new IsomorphicFetchHttpLibrary();

/** The resource's path, namespaced or (undefined) cluster-wide. */
function resourcePath(ref: ResourceRef, namespace: string | undefined): string {
  const base = ref.group === "" ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  return namespace === undefined ? `${base}/${ref.resource}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.resource}`;
}

function where(ref: ResourceRef, namespace: string | undefined): string {
  const group = ref.group === "" ? "" : `.${ref.group}`;
  return namespace === undefined ? `${ref.resource}${group} in all namespaces` : `${ref.resource}${group} in namespace "${namespace}"`;
}

function apiMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === "string" && status.message) return status.message;
  } catch {
    // not a Status object: fall through to the raw text
  }
  return body.trim().slice(0, 200) || "(no message)";
}

/** What the RBAC rule has to grant, e.g. `"list" on "deployments" (API group "apps") in namespace "shop"`. */
function rbacNeed(verb: string, ref: ResourceRef, namespace: string | undefined): string {
  const scope = namespace === undefined ? (verb === "get" ? "" : " in all namespaces (a ClusterRole bound by a ClusterRoleBinding)") : ` in namespace "${namespace}"`;
  return `"${verb}" on "${ref.resource}" (API group "${ref.group}")${scope}`;
}

interface Call {
  verb: "get" | "list";
  ref: ResourceRef;
  namespace?: string;
  what: string;
}

async function getJson(kc: KubeConfig, path: string, query: Record<string, string>, call: Call): Promise<Record<string, unknown>> {
  const { verb, what } = call;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterReadError("the kubeconfig has no current cluster");
  const search = new URLSearchParams(query).toString();
  const url = `${cluster.server.replace(/\/+$/, "")}${path}${search ? `?${search}` : ""}`;
  const context = new RequestContext(url, HttpMethod.GET);
  context.setHeaderParam("Accept", "application/json");
  let status: number;
  let body: string;
  try {
    await kc.applySecurityAuthentication(context);
    const response = await http.send(context).toPromise();
    status = response.httpStatusCode;
    body = await response.body.text();
  } catch (error) {
    throw new ClusterReadError(`cannot ${verb} ${what}: the API server at ${cluster.server} did not answer: ${(error as Error).message}`);
  }
  if (status === 403) {
    throw new ClusterReadError(`cannot ${verb} ${what}: forbidden (403): ${apiMessage(body)}. The cluster preview needs read-only RBAC: ${rbacNeed(verb, call.ref, call.namespace)} (see docs/install.md, "Preview a namespace before opting it in")`, status);
  }
  if (status === 401) throw new ClusterReadError(`cannot ${verb} ${what}: unauthorized (401): the kubeconfig's credentials were not accepted`, status);
  if (status < 200 || status > 299) throw new ClusterReadError(`cannot ${verb} ${what}: HTTP ${status}: ${apiMessage(body)}`, status);
  try {
    const parsed = JSON.parse(body) as unknown;
    if (isObject(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new ClusterReadError(`cannot ${verb} ${what}: the answer is not a JSON object`, status);
}

function withKind(item: unknown, ref: ResourceRef): KubeObject {
  const object = isObject(item) ? item : {};
  const metadata = (isObject(object.metadata) ? object.metadata : {}) as KubeObject["metadata"];
  const apiVersion = ref.group === "" ? ref.version : `${ref.group}/${ref.version}`;
  return { apiVersion, kind: ref.kind, ...object, metadata };
}

/** Every object of `ref`, in `namespace` or (undefined) in all namespaces, page by page. */
export async function listAll(kc: KubeConfig, ref: ResourceRef, namespace: string | undefined, options: ListOptions = {}): Promise<KubeObject[]> {
  const limit = String(options.chunkSize ?? 500);
  const what = where(ref, namespace);
  const path = resourcePath(ref, namespace);
  const items: KubeObject[] = [];
  let token = "";
  let paged = true;
  for (;;) {
    const query: Record<string, string> = paged ? { limit } : {};
    if (token) query.continue = token;
    let page: Record<string, unknown>;
    try {
      page = await getJson(kc, path, query, { verb: "list", ref, namespace, what });
    } catch (error) {
      // The continue token expired (410 Gone, the API server compacted that revision): as client-go's
      // pager does, read the whole list again in one call rather than mixing two revisions.
      if (!(token && error instanceof ClusterReadError && error.status === 410)) throw error;
      items.length = 0;
      token = "";
      paged = false;
      continue;
    }
    if (!Array.isArray(page.items)) throw new ClusterReadError(`cannot list ${what}: the answer has no items array`);
    for (const item of page.items) items.push(withKind(item, ref));
    options.onPage?.(items.length);
    const metadata = (page.metadata ?? {}) as { continue?: unknown };
    token = typeof metadata.continue === "string" ? metadata.continue : "";
    if (!token) return items;
  }
}

/** One named object of a cluster-scoped `ref` (e.g. a Namespace); a ClusterReadError with status 404 when it does not exist. */
export async function getOne(kc: KubeConfig, ref: ResourceRef, name: string): Promise<KubeObject> {
  const what = `${ref.resource} "${name}"`;
  try {
    return withKind(await getJson(kc, `${resourcePath(ref, undefined)}/${encodeURIComponent(name)}`, {}, { verb: "get", ref, what }), ref);
  } catch (error) {
    if (error instanceof ClusterReadError && error.status === 404) throw new ClusterReadError(`${ref.kind.toLowerCase()} "${name}" does not exist`, 404);
    throw error;
  }
}
