// What the webhook does with one AdmissionRequest: Pod CREATE is defaulted and validated, Pod UPDATE is
// only validated, `pods/ephemeralcontainers` UPDATE defaults and validates the ephemeral containers it adds
// or changes, a request that names Pods inconsistently is refused, and everything else passes unchanged.
// The engine call itself stays pure; this file only routes.
import { isDeepStrictEqual } from "node:util";
import { evaluate } from "../engine/evaluate.js";
import type { EvaluationResult, Operation, Policy, PolicyMode } from "../engine/types.js";
import { locatePod, UnsupportedObjectError } from "../engine/workload.js";
import { AUTHENTICATED_USER, podServiceAccount, type Requester, type UserInfo } from "../policy/subjects.js";
import { choosePolicies, type NamespaceLabels, type PolicyChoice } from "../policy/choose.js";
import { modeFor, type ModeDecision } from "./mode.js";
import { admissionResponse, allowUnchanged } from "./response.js";
import { warnModeResponse, type WouldDo } from "./warn-response.js";
import type { AdmissionRequest, AdmissionResponse } from "./review.js";
import { isObject, type Json } from "../engine/json.js";

/** Everything admission needs besides the request; the server supplies the current values. */
export interface AdmissionContext {
  policies: readonly Policy[];
  defaultPolicy?: string;
  /**
   * The namespace's labels; undefined when no cluster is connected (the policy files alone decide).
   * May reject (e.g. a namespace the cache has not seen): the caller answers per --on-error.
   */
  namespaceLabels(namespace: string): Promise<NamespaceLabels | undefined>;
}

export type Route = "pod-create" | "pod-update" | "ephemeral-containers" | "ignored" | "refused";

export interface AdmissionOutcome {
  response: AdmissionResponse;
  route: Route;
  /** The engine's result when the request was evaluated. */
  result?: EvaluationResult;
  /** Operations in the patch sent back (0 when none). */
  patchOperations: number;
  /** The mode the request was answered in (enforce when it was not evaluated). */
  mode: PolicyMode;
  /** In warn mode: what enforce mode would have done, when it would have patched or denied. */
  wouldDo?: WouldDo;
}

/** Where a request goes, or why it is refused: a combination of fields the API server never sends. */
export type RouteDecision = { route: Exclude<Route, "refused"> } | { route: "refused"; message: string };

/** Subresources of pods whose requests carry a Pod (request.kind Pod); the others carry a Binding, an Eviction, options... */
const POD_SUBRESOURCES: Readonly<Record<string, "judge" | "ignore">> = {
  "": "judge",
  ephemeralcontainers: "judge",
  // The API server keeps the spec of the stored Pod on a status or resize update: nothing to judge.
  status: "ignore",
  resize: "ignore",
};

function gvr(value: { group: string; version: string; resource: string }): string {
  return `{group: ${JSON.stringify(value.group)}, version: ${JSON.stringify(value.version)}, resource: ${JSON.stringify(value.resource)}}`;
}

function gvk(value: { group: string; version: string; kind: string }): string {
  return `{group: ${JSON.stringify(value.group)}, version: ${JSON.stringify(value.version)}, kind: ${JSON.stringify(value.kind)}}`;
}

const refuse = (message: string): RouteDecision => ({ route: "refused", message: `inconsistent admission request: ${message}` });

/**
 * Which path a request takes, from what the API server sets: request.resource, subResource, operation and
 * request.kind (the object's own kind is only checked against them). A request that names the Pod resource
 * or kind in a way the API server never does (another group, another spelling, a subresource it never
 * sends with that operation, an object of another kind, a Pod without a namespace) is refused, not ignored:
 * ignoring it would let a Pod through unjudged. Anything that is not about Pods is ignored.
 */
export function routeRequest(request: AdmissionRequest): RouteDecision {
  const { resource, kind, subResource, operation } = request;
  const objectKind = isObject(request.object) ? request.object.kind : undefined;
  const isPodsResource = resource.group === "" && resource.resource === "pods";
  if (!isPodsResource) {
    const claimsPods =
      resource.resource.toLowerCase() === "pods" ||
      kind.kind.toLowerCase() === "pod" ||
      (typeof objectKind === "string" && objectKind.toLowerCase() === "pod");
    if (claimsPods) {
      return refuse(`request.resource is ${gvr(resource)} and request.kind ${gvk(kind)}; the API server names Pods {group: "", version: "v1", resource: "pods"}, kind Pod`);
    }
    return { route: "ignored" };
  }
  const handling = POD_SUBRESOURCES[subResource];
  const kindIsPod = kind.group === "" && kind.version === "v1" && kind.kind === "Pod";
  if (handling === undefined) {
    // binding, eviction, exec, attach, portforward, proxy: their requests carry no Pod.
    if (kind.kind.toLowerCase() === "pod" || (typeof objectKind === "string" && objectKind.toLowerCase() === "pod")) {
      return refuse(`subresource "${subResource}" of pods carries no Pod, but the request says kind ${gvk(kind)}${objectKind !== undefined ? ` and the object kind ${JSON.stringify(objectKind)}` : ""}`);
    }
    return { route: "ignored" };
  }
  if (operation === "DELETE" || operation === "CONNECT") {
    return subResource === "" ? { route: "ignored" } : refuse(`${operation} of pods/${subResource}: the API server sends only UPDATE for this subresource`);
  }
  if (subResource !== "" && operation !== "UPDATE") {
    return refuse(`${operation} of pods/${subResource}: the API server sends only UPDATE for this subresource`);
  }
  if (!kindIsPod) return refuse(`request.kind is ${gvk(kind)} for the pods resource; the API server sends {group: "", version: "v1", kind: "Pod"}`);
  if (objectKind !== "Pod") {
    return refuse(`request.object.kind is ${objectKind === undefined ? "missing" : JSON.stringify(objectKind)}, but request.kind is Pod`);
  }
  if (!request.namespace) return refuse("request.namespace is empty, but Pods are namespaced");
  if (handling === "ignore") return { route: "ignored" };
  if (subResource === "ephemeralcontainers") {
    if (!isObject(request.oldObject)) return refuse("an update of pods/ephemeralcontainers without request.oldObject");
    return { route: "ephemeral-containers" };
  }
  return { route: operation === "CREATE" ? "pod-create" : "pod-update" };
}

/** Which path a request takes (routeRequest without the reason for a refusal). */
export function routeOf(request: AdmissionRequest): Route {
  return routeRequest(request).route;
}

function ephemeralList(pod: unknown): unknown[] {
  if (!isObject(pod) || !isObject(pod.spec) || !Array.isArray(pod.spec.ephemeralContainers)) return [];
  return pod.spec.ephemeralContainers;
}

/**
 * Indexes (in `object`'s spec.ephemeralContainers) of the ephemeral containers to judge: every one that
 * is not, unchanged, in `oldObject` under the same name. A new container, one without a name and one
 * that reuses an old name with another spec are all judged.
 */
export function changedEphemeralContainers(object: unknown, oldObject: unknown): number[] {
  const before = new Map<string, unknown>();
  for (const container of ephemeralList(oldObject)) {
    if (isObject(container) && typeof container.name === "string") before.set(container.name, container);
  }
  const changed: number[] = [];
  ephemeralList(object).forEach((container, index) => {
    const name = isObject(container) ? container.name : undefined;
    const old = typeof name === "string" ? before.get(name) : undefined;
    if (old === undefined || !isDeepStrictEqual(container, old)) changed.push(index);
  });
  return changed;
}

/** Names of the ephemeral containers in `object` that `oldObject` does not have (kept for callers that list them). */
export function addedEphemeralContainers(object: unknown, oldObject: unknown): string[] {
  const list = ephemeralList(object);
  return changedEphemeralContainers(object, oldObject).flatMap((i) => {
    const c = list[i];
    return isObject(c) && typeof c.name === "string" ? [c.name] : [];
  });
}

/**
 * The API server applies a pods/ephemeralcontainers update to the ephemeral containers only; a request
 * whose Pod spec differs from the stored one elsewhere (a container added to spec.containers, say) is not
 * one it sends. Returns the first differing spec field, if any.
 */
export function specChangedBesidesEphemeral(object: unknown, oldObject: unknown): string | undefined {
  const spec = (pod: unknown): Json => (isObject(pod) && isObject(pod.spec) ? pod.spec : {});
  const now = spec(object);
  const before = spec(oldObject);
  for (const key of new Set([...Object.keys(now), ...Object.keys(before)])) {
    if (key === "ephemeralContainers") continue;
    if (!isDeepStrictEqual(now[key], before[key])) return `spec.${key}`;
  }
  return undefined;
}

const BOOKKEEPING_METADATA = ["ownerReferences", "finalizers", "resourceVersion", "managedFields", "generation"];

/**
 * PSP ignored Pod updates that only change ownerReferences or finalizers (the garbage collector's and
 * controllers' bookkeeping): such an update of an old Pod must not fail because policies changed since.
 */
export function isBookkeepingUpdate(object: unknown, oldObject: unknown): boolean {
  if (!isObject(object) || !isObject(oldObject)) return false;
  const strip = (pod: Json): Json => {
    const metadata = { ...(isObject(pod.metadata) ? pod.metadata : {}) };
    for (const key of BOOKKEEPING_METADATA) delete metadata[key];
    return { ...pod, metadata };
  };
  return isDeepStrictEqual(strip(object), strip(oldObject));
}

function refusal(object: unknown, message: string, path = "metadata.namespace"): EvaluationResult {
  return {
    allowed: false,
    object,
    patch: [],
    reasons: [],
    violations: [{ policy: "", path, field: "", message }],
    warnings: [],
  };
}

export interface NamespaceEvaluation {
  operation: Operation;
  ephemeralContainers?: readonly number[];
  /**
   * Who asks (the AdmissionReview's request.userInfo); default: an authenticated user with no other
   * group. The Pod's ServiceAccount is read from the object (its pod template for a workload).
   */
  userInfo?: UserInfo;
}

/** The requesting user and the ServiceAccount of the object's Pod (or pod template). */
export function requesterOf(object: unknown, userInfo: UserInfo = AUTHENTICATED_USER): Requester {
  return { userInfo, serviceAccountName: podServiceAccount(locatePod(object).pod) };
}

/**
 * Chooses the policies for `namespace` and the requester, and runs the engine. A namespace label naming a
 * missing policy, or no policy granted to the requester, gives a denial saying so. Throws
 * UnsupportedObjectError for objects the engine cannot handle.
 */
export async function evaluateInNamespace(
  object: unknown,
  namespace: string,
  ctx: AdmissionContext,
  options: NamespaceEvaluation,
): Promise<EvaluationResult> {
  return (await assessInNamespace(object, namespace, ctx, options)).result;
}

/** A decision and the candidate policies it was chosen among (none when the choice itself refused). */
export interface RequestDecision {
  result: EvaluationResult;
  candidates: readonly Policy[];
  /** How the candidates were found (absent when no policy could be chosen). */
  via?: Extract<PolicyChoice, { ok: true }>["via"];
}

/**
 * The one place that turns (object, namespace, labels, userInfo) into a decision: the webhook, POST
 * /preview and `secure-defaults preview` all come here. Labels undefined: not known, so only the policy
 * files decide; namespace "": none, so namespace binding does not narrow the candidates.
 */
export function decideForRequest(
  object: unknown,
  namespace: string,
  labels: NamespaceLabels | undefined,
  set: { policies: readonly Policy[]; defaultPolicy?: string },
  options: NamespaceEvaluation,
): RequestDecision {
  const requester = requesterOf(object, options.userInfo);
  const choice = choosePolicies(set.policies, namespace, labels, set.defaultPolicy, requester);
  if (!choice.ok) {
    const path = choice.path === "metadata.namespace" ? choice.path : `${locatePod(object).pathPrefix}${choice.path}`;
    return { result: refusal(object, choice.message, path), candidates: [] };
  }
  const result = evaluate(object, choice.candidates, { operation: options.operation, ephemeralContainers: options.ephemeralContainers });
  return { result, candidates: choice.candidates, via: choice.via };
}

/** decideForRequest's result alone. */
export function evaluateForRequest(
  object: unknown,
  namespace: string,
  labels: NamespaceLabels | undefined,
  set: { policies: readonly Policy[]; defaultPolicy?: string },
  options: NamespaceEvaluation,
): EvaluationResult {
  return decideForRequest(object, namespace, labels, set, options).result;
}

export interface NamespaceAssessment {
  /** What enforce mode does. */
  result: EvaluationResult;
  /** The mode in effect for this request. */
  mode: ModeDecision;
}

/** evaluateInNamespace, plus the mode in effect (namespace label, else the policies' `mode` field). */
export async function assessInNamespace(
  object: unknown,
  namespace: string,
  ctx: AdmissionContext,
  options: NamespaceEvaluation,
): Promise<NamespaceAssessment> {
  locatePod(object); // an unsupported object fails before the namespace is looked up
  const labels = namespace ? await ctx.namespaceLabels(namespace) : undefined;
  const { result, candidates } = decideForRequest(object, namespace, labels, ctx, options);
  return { result, mode: modeFor(labels, candidates, result) };
}

function describe(request: AdmissionRequest): string {
  const metadata = isObject(request.object) && isObject(request.object.metadata) ? request.object.metadata : {};
  const name = request.name || (typeof metadata.name === "string" ? metadata.name : "");
  const generateName = typeof metadata.generateName === "string" ? metadata.generateName : "";
  const label = name ? `pod "${name}"` : generateName ? `pod "${generateName}*"` : "the pod";
  return request.namespace ? `${label} in namespace "${request.namespace}"` : label;
}

function patchSize(response: AdmissionResponse, result: EvaluationResult): number {
  return response.patch ? result.patch.length : 0;
}

/** A 400 denial: the request itself is unusable (inconsistent, above the limits, wrongly typed). */
function badRequest(request: AdmissionRequest, route: Route, message: string): AdmissionOutcome {
  const response: AdmissionResponse = {
    uid: request.uid,
    allowed: false,
    status: { status: "Failure", code: 400, reason: "BadRequest", message },
  };
  return { response, route, patchOperations: 0, mode: "enforce" };
}

/** Answers one AdmissionRequest. Throws only on internal errors; the caller answers those per --on-error. */
export async function admit(request: AdmissionRequest, ctx: AdmissionContext): Promise<AdmissionOutcome> {
  const decision = routeRequest(request);
  const route = decision.route;
  if (decision.route === "refused") return badRequest(request, route, `${describe(request)}: ${decision.message}`);
  const unchanged = (): AdmissionOutcome => ({ response: allowUnchanged(request.uid), route, patchOperations: 0, mode: "enforce" });
  if (route === "ignored") return unchanged();
  if (route === "pod-update" && isBookkeepingUpdate(request.object, request.oldObject)) return unchanged();

  let options: NamespaceEvaluation;
  if (route === "ephemeral-containers") {
    const changedSpec = specChangedBesidesEphemeral(request.object, request.oldObject);
    if (changedSpec !== undefined) {
      return badRequest(
        request,
        route,
        `${describe(request)}: an update of pods/ephemeralcontainers may change only spec.ephemeralContainers, but ${changedSpec} differs from the stored Pod`,
      );
    }
    const changed = changedEphemeralContainers(request.object, request.oldObject);
    if (changed.length === 0) return unchanged();
    options = { operation: "UPDATE", ephemeralContainers: changed, userInfo: request.userInfo };
  } else {
    options = { operation: route === "pod-create" ? "CREATE" : "UPDATE", userInfo: request.userInfo };
  }

  let assessment: NamespaceAssessment;
  try {
    assessment = await assessInNamespace(request.object, request.namespace, ctx, options);
  } catch (error) {
    if (!(error instanceof UnsupportedObjectError)) throw error;
    return badRequest(request, route, `${describe(request)} cannot be evaluated: ${error.message}`);
  }
  const { result, mode } = assessment;
  const shown = mode.warning ? { ...result, warnings: [mode.warning, ...result.warnings] } : result;
  const responseOptions = { uid: request.uid, patch: route !== "pod-update", what: describe(request) };
  if (mode.mode === "warn") {
    const { response, wouldDo } = warnModeResponse(shown, responseOptions);
    return { response, route, result, patchOperations: 0, mode: "warn", wouldDo };
  }
  const response = admissionResponse(shown, responseOptions);
  return { response, route, result, patchOperations: patchSize(response, result), mode: "enforce" };
}
