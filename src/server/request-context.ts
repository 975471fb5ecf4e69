// What /mutate and /preview share about one request: the engine's context (the policies serving now, the
// namespace wait bounded by the API server's `?timeout`) and the log fields that name the request.
import type { AdmissionContext } from "../admission/admit.js";
import type { AdmissionRequest } from "../admission/review.js";
import type { AppDependencies } from "./app.js";
import { parseDuration } from "./duration.js";

/** A request URL split into its path and its query (after the `?`, if any). */
export function splitUrl(url: string | undefined): { path: string; query?: string } {
  const at = url?.indexOf("?") ?? -1;
  return at < 0 ? { path: url ?? "" } : { path: url!.slice(0, at), query: url!.slice(at + 1) };
}

/** The API server's `?timeout=10s` on the webhook URL, in ms, if given. */
export function timeoutOf(url: string | undefined): number | undefined {
  const { query } = splitUrl(url);
  return query === undefined ? undefined : parseDuration(new URLSearchParams(query).get("timeout") ?? undefined);
}

/** The engine's context for one request; `timeoutMs` is the API server's timeout, if given. */
export function admissionContext(deps: AppDependencies, timeoutMs: number | undefined): AdmissionContext {
  const configured = deps.options.namespaceWaitMs ?? 2000;
  // Leave the API server's timeout room for the answer itself.
  const waitMs = timeoutMs === undefined ? configured : Math.min(configured, Math.floor(timeoutMs / 2));
  return {
    policies: deps.policies(),
    defaultPolicy: deps.options.defaultPolicy,
    namespaceLabels: (namespace) => deps.namespaceLabels(namespace, waitMs),
  };
}

/** The log fields that name a request (never its object). */
export function requestFields(request: AdmissionRequest) {
  return {
    uid: request.uid,
    namespace: request.namespace,
    name: request.name,
    kind: request.kind.kind,
    resource: request.resource.resource,
    subResource: request.subResource || undefined,
    operation: request.operation,
    user: request.userInfo?.username || undefined,
    dryRun: request.dryRun || undefined,
  };
}
