// AdmissionReview admission.k8s.io/v1 on the wire: parsing and checking a request, wrapping a response.
// Only the shape is checked here; what to do with the request is decided in admit.ts.

import type { UserInfo } from "../policy/subjects.js";
import { isObject, type Json } from "../engine/json.js";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
const OPERATIONS: readonly string[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The fields of an AdmissionRequest this webhook reads. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** "" when the request is not for a subresource. */
  subResource: string;
  name: string;
  namespace: string;
  operation: AdmissionOperation;
  object?: unknown;
  oldObject?: unknown;
  dryRun: boolean;
  /** request.userInfo (username, groups); undefined when the review has none (hand-written reviews). */
  userInfo?: UserInfo;
}

export interface AdmissionStatus {
  status: "Failure";
  code: number;
  reason: string;
  message: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: "JSONPatch";
  /** base64 of the JSON-encoded RFC 6902 patch. */
  patch?: string;
  status?: AdmissionStatus;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** The body is not an AdmissionReview this webhook can answer; the message says why (HTTP 400). */
export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReviewError";
  }
}

function optionalString(holder: Json, key: string, where: string): string {
  const value = holder[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new ReviewError(`${where}.${key} must be a string`);
  return value;
}

/** True when `body` claims to be an AdmissionReview (used by /preview to tell its two input forms apart). */
export function looksLikeAdmissionReview(body: unknown): boolean {
  return isObject(body) && (body.kind === "AdmissionReview" || "request" in body);
}

function groupVersionKind(value: unknown): GroupVersionKind {
  if (!isObject(value)) throw new ReviewError("request.kind must be an object {group, version, kind}");
  const kind = optionalString(value, "kind", "request.kind");
  if (!kind) throw new ReviewError("request.kind.kind is missing");
  return { group: optionalString(value, "group", "request.kind"), version: optionalString(value, "version", "request.kind"), kind };
}

function groupVersionResource(value: unknown, kind: GroupVersionKind): GroupVersionResource {
  if (value === undefined || value === null) {
    // The API server always sends `resource`; hand-written reviews may leave it out for a Pod.
    if (kind.group === "" && kind.kind === "Pod") return { group: "", version: kind.version || "v1", resource: "pods" };
    throw new ReviewError("request.resource is missing");
  }
  if (!isObject(value)) throw new ReviewError("request.resource must be an object {group, version, resource}");
  const resource = optionalString(value, "resource", "request.resource");
  if (!resource) throw new ReviewError("request.resource.resource is missing");
  return { group: optionalString(value, "group", "request.resource"), version: optionalString(value, "version", "request.resource"), resource };
}

/**
 * `request.userInfo`: `username` a string, `groups` a list of strings (both may be absent); `uid` and
 * `extra` are not used. Undefined when there is no userInfo at all.
 */
export function parseUserInfo(value: unknown, where = "request.userInfo"): UserInfo | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ReviewError(`${where} must be an object {username, groups}`);
  const username = optionalString(value, "username", where);
  const groups = value.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw new ReviewError(`${where}.groups must be a list of strings`);
  return { username, groups: [...groups] };
}

function withUserInfo(userInfo: UserInfo | undefined): { userInfo?: UserInfo } {
  return userInfo ? { userInfo } : {};
}

/** Checks an AdmissionReview v1 body and returns its request, or throws ReviewError. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw new ReviewError("the body must be a JSON object: an AdmissionReview");
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    const got = typeof body.apiVersion === "string" ? `"${body.apiVersion}"` : "none";
    throw new ReviewError(`apiVersion must be "${ADMISSION_API_VERSION}" (got ${got}); set admissionReviewVersions: ["v1"] in the webhook configuration`);
  }
  if (body.kind !== "AdmissionReview") {
    const got = typeof body.kind === "string" ? `"${body.kind}"` : "none";
    throw new ReviewError(`kind must be "AdmissionReview" (got ${got})`);
  }
  const request = body.request;
  if (request === undefined || request === null) throw new ReviewError("the AdmissionReview has no request");
  if (!isObject(request)) throw new ReviewError("request must be an object");
  const uid = optionalString(request, "uid", "request");
  if (!uid) throw new ReviewError("request.uid is missing");
  const operation = request.operation;
  if (typeof operation !== "string" || !OPERATIONS.includes(operation)) {
    throw new ReviewError(`request.operation must be one of ${OPERATIONS.join(", ")}`);
  }
  const kind = groupVersionKind(request.kind);
  const dryRun = request.dryRun;
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== "boolean") throw new ReviewError("request.dryRun must be a boolean");
  return {
    uid,
    kind,
    resource: groupVersionResource(request.resource, kind),
    subResource: optionalString(request, "subResource", "request"),
    name: optionalString(request, "name", "request"),
    namespace: optionalString(request, "namespace", "request"),
    operation: operation as AdmissionOperation,
    object: request.object ?? undefined,
    oldObject: request.oldObject ?? undefined,
    dryRun: dryRun === true,
    ...withUserInfo(parseUserInfo(request.userInfo)),
  };
}

export function admissionReview(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}
