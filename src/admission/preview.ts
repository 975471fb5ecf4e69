// POST /preview: the dry-run patch preview. Input is `{object, namespace?, operation?, userInfo?}` or a whole
// AdmissionReview; the answer is one element of `secure-defaults preview -o json` plus the
// AdmissionResponse /mutate would send for the same request. Nothing is stored or changed.
import { randomUUID } from "node:crypto";
import type { EvaluationResult, PolicyMode } from "../engine/types.js";
import { UnsupportedObjectError } from "../engine/workload.js";
import { previewEntry, type PreviewEntry } from "../preview/entry.js";
import { admit, assessInNamespace, type AdmissionContext, type AdmissionOutcome } from "./admit.js";
import { authenticatedUser, type UserInfo } from "../policy/subjects.js";
import { looksLikeAdmissionReview, parseAdmissionReview, parseUserInfo, ReviewError, type AdmissionRequest, type AdmissionResponse } from "./review.js";
import { isObject, type Json } from "../engine/json.js";

export interface PreviewAnswer extends PreviewEntry {
  /**
   * The mode in effect for this request (namespace label secure-defaults.io/mode, else the policy's
   * `mode`). The rest of the entry is always what enforce mode does; `response` is what /mutate sends.
   */
  mode: PolicyMode;
  /** The AdmissionResponse /mutate would send for this request (for a workload: its own, unchanged). */
  response: AdmissionResponse;
}

/** The preview input is unusable; the message says why (HTTP 400). */
export class PreviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewInputError";
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * `userInfo` of a preview body: `{username?, groups?}`, completed as the API server's authenticators do
 * (`system:authenticated`, and the ServiceAccount groups for a ServiceAccount username), like preview's
 * `--user` / `--group`. Absent: an authenticated user with no other group.
 */
function previewUserInfo(value: unknown): UserInfo {
  let userInfo: UserInfo | undefined;
  try {
    userInfo = parseUserInfo(value, "userInfo");
  } catch (error) {
    if (error instanceof ReviewError) throw new PreviewInputError(error.message);
    throw error;
  }
  return userInfo ? authenticatedUser(userInfo.username, userInfo.groups) : authenticatedUser();
}

/** Turns `{object, namespace?, operation?, userInfo?}` into the AdmissionRequest the API server would send for it. */
export function requestForObject(body: Json): AdmissionRequest {
  const allowed = new Set(["object", "namespace", "operation", "userInfo"]);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length) {
    throw new PreviewInputError(`unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")}: expected {"object", "namespace"?, "operation"?, "userInfo"?} or an AdmissionReview`);
  }
  const object = body.object;
  if (!isObject(object)) throw new PreviewInputError(`"object" must be a Kubernetes object (a JSON object with apiVersion and kind)`);
  const kind = text(object.kind);
  if (!kind) throw new PreviewInputError(`"object" has no kind`);
  if (body.namespace !== undefined && typeof body.namespace !== "string") throw new PreviewInputError(`"namespace" must be a string`);
  const operation = body.operation ?? "CREATE";
  if (operation !== "CREATE" && operation !== "UPDATE") throw new PreviewInputError(`"operation" must be "CREATE" or "UPDATE"`);
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const apiVersion = text(object.apiVersion) || "v1";
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
  return {
    uid: `preview-${randomUUID()}`,
    kind: { group, version, kind },
    resource: { group, version, resource: `${kind.toLowerCase()}s` },
    subResource: "",
    name: text(metadata.name),
    namespace: (body.namespace as string | undefined) ?? text(metadata.namespace),
    operation,
    object,
    dryRun: true,
    userInfo: previewUserInfo(body.userInfo),
  };
}

function previewRequest(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw new PreviewInputError(`the body must be a JSON object: {"object", "namespace"?, "operation"?, "userInfo"?} or an AdmissionReview`);
  if (!looksLikeAdmissionReview(body)) return requestForObject(body);
  try {
    return parseAdmissionReview(body);
  } catch (error) {
    if (error instanceof ReviewError) throw new PreviewInputError(error.message);
    throw error;
  }
}

async function entryResult(request: AdmissionRequest, outcome: AdmissionOutcome, ctx: AdmissionContext): Promise<{ result: EvaluationResult; mode: PolicyMode }> {
  if (outcome.result) return { result: outcome.result, mode: outcome.mode };
  if (!isObject(request.object)) throw new PreviewInputError("the request has no object to preview");
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
    throw new PreviewInputError(`preview handles CREATE and UPDATE, not ${request.operation}`);
  }
  try {
    const { result, mode } = await assessInNamespace(request.object, request.namespace, ctx, { operation: request.operation, userInfo: request.userInfo });
    return { result, mode: mode.mode };
  } catch (error) {
    if (error instanceof UnsupportedObjectError) throw new PreviewInputError(`cannot preview this object: ${error.message}`);
    throw error;
  }
}

export interface PreviewOutcome {
  request: AdmissionRequest;
  outcome: AdmissionOutcome;
  answer: PreviewAnswer;
}

/** Throws PreviewInputError for bad input or objects the engine does not support; other errors are internal. */
export async function preview(body: unknown, ctx: AdmissionContext): Promise<PreviewOutcome> {
  const request = previewRequest(body);
  const outcome = await admit(request, ctx);
  const { result, mode } = await entryResult(request, outcome, ctx);
  const answer = { ...previewEntry(request.object, request.namespace || undefined, result), mode, response: outcome.response };
  return { request, outcome, answer };
}
