// What the webhook does with one AdmissionRequest: Pod CREATE is defaulted and validated, Pod UPDATE is
// only validated, `pods/ephemeralcontainers` UPDATE defaults and validates the ephemeral containers it adds,
// and everything else passes unchanged. The engine call itself stays pure; this file only routes.
import { isDeepStrictEqual } from "node:util";
import { evaluate } from "../engine/evaluate.js";
import type { EvaluationResult, Operation, Policy, PolicyMode } from "../engine/types.js";
import { UnsupportedObjectError } from "../engine/workload.js";
import { choosePolicies, type NamespaceLabels } from "./decide.js";
import { modeFor, type ModeDecision } from "./mode.js";
import { admissionResponse, allowUnchanged } from "./response.js";
import { warnModeResponse, type WouldDo } from "./warn-response.js";
import type { AdmissionRequest, AdmissionResponse } from "./review.js";

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

export type Route = "pod-create" | "pod-update" | "ephemeral-containers" | "ignored";

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

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPodsResource(request: AdmissionRequest): boolean {
  return request.resource.group === "" && request.resource.resource === "pods";
}

/** Which path a request takes; anything but a Pod create/update or an ephemeral-container update is ignored. */
export function routeOf(request: AdmissionRequest): Route {
  if (!isPodsResource(request)) return "ignored";
  if (!isObject(request.object) || request.object.kind !== "Pod") return "ignored";
  if (request.subResource === "") {
    if (request.operation === "CREATE") return "pod-create";
    if (request.operation === "UPDATE") return "pod-update";
    return "ignored";
  }
  if (request.subResource === "ephemeralcontainers" && request.operation === "UPDATE") return "ephemeral-containers";
  return "ignored";
}

function ephemeralNames(pod: unknown): string[] {
  if (!isObject(pod) || !isObject(pod.spec) || !Array.isArray(pod.spec.ephemeralContainers)) return [];
  return pod.spec.ephemeralContainers.flatMap((c: unknown) => (isObject(c) && typeof c.name === "string" ? [c.name] : []));
}

/** Names of the ephemeral containers in `object` that `oldObject` does not have. */
export function addedEphemeralContainers(object: unknown, oldObject: unknown): string[] {
  const before = new Set(ephemeralNames(oldObject));
  return ephemeralNames(object).filter((name) => !before.has(name));
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

function refusal(object: unknown, message: string): EvaluationResult {
  return {
    allowed: false,
    object,
    patch: [],
    reasons: [],
    violations: [{ policy: "", path: "metadata.namespace", field: "", message }],
    warnings: [],
  };
}

export interface NamespaceEvaluation {
  operation: Operation;
  ephemeralContainers?: readonly string[];
}

/**
 * Chooses the policies for `namespace` and runs the engine. A namespace label naming a missing policy
 * gives a denial saying so. Throws UnsupportedObjectError for objects the engine cannot handle.
 */
export async function evaluateInNamespace(
  object: unknown,
  namespace: string,
  ctx: AdmissionContext,
  options: NamespaceEvaluation,
): Promise<EvaluationResult> {
  return (await assessInNamespace(object, namespace, ctx, options)).result;
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
  const labels = namespace ? await ctx.namespaceLabels(namespace) : undefined;
  const choice = choosePolicies(ctx.policies, namespace, labels, ctx.defaultPolicy);
  const candidates = choice.ok ? choice.candidates : [];
  const result = choice.ok ? evaluate(object, choice.candidates, options) : refusal(object, choice.message);
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

/** Answers one AdmissionRequest. Throws only on internal errors; the caller answers those per --on-error. */
export async function admit(request: AdmissionRequest, ctx: AdmissionContext): Promise<AdmissionOutcome> {
  const route = routeOf(request);
  const unchanged = (): AdmissionOutcome => ({ response: allowUnchanged(request.uid), route, patchOperations: 0, mode: "enforce" });
  if (route === "ignored") return unchanged();
  if (route === "pod-update" && isBookkeepingUpdate(request.object, request.oldObject)) return unchanged();

  let options: NamespaceEvaluation;
  if (route === "ephemeral-containers") {
    const added = addedEphemeralContainers(request.object, request.oldObject);
    if (added.length === 0) return unchanged();
    options = { operation: "UPDATE", ephemeralContainers: added };
  } else {
    options = { operation: route === "pod-create" ? "CREATE" : "UPDATE" };
  }

  let assessment: NamespaceAssessment;
  try {
    assessment = await assessInNamespace(request.object, request.namespace, ctx, options);
  } catch (error) {
    if (!(error instanceof UnsupportedObjectError)) throw error;
    const response: AdmissionResponse = {
      uid: request.uid,
      allowed: false,
      status: { status: "Failure", code: 400, reason: "BadRequest", message: `${describe(request)} cannot be evaluated: ${error.message}` },
    };
    return { response, route, patchOperations: 0, mode: "enforce" };
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
