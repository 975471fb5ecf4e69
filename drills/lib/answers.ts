// What counts as a well-formed answer from the webhook, for every drill and for the drill subsets in
// `npm test`: a 200 with an AdmissionReview whose response carries the uid (and a decodable JSON patch),
// or a 4xx with a Kubernetes Status that has a message; JSON in either case, and no stack trace or file
// path anywhere. Pure: no I/O.

export interface Answer {
  status: number;
  contentType?: string;
  body: string;
}

/**
 * Undefined when the answer is well-formed, else what is wrong with it (one short line). A stack trace or
 * path that the request itself carried (a /preview answer shows the caller its own object) is no leak.
 */
export function problemWith(answer: Answer, expectedUid?: string, requestBody?: string | Buffer): string | undefined {
  const leak = leakIn(answer.body);
  if (leak && !(requestBody !== undefined && leakIn(requestBody.toString()) === leak)) return `leaks ${leak}`;
  if (!/^application\/json\b/.test(answer.contentType ?? "")) return `status ${answer.status}, content-type ${answer.contentType ?? "none"}`;
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    return `status ${answer.status}, body is not JSON`;
  }
  if (!isObject(json)) return `status ${answer.status}, body is not a JSON object`;
  if (answer.status === 200) {
    if (json.kind === "AdmissionReview") return reviewProblem(json, expectedUid);
    if ("allowed" in json && "patch" in json) return undefined; // a /preview answer
    return "200 without an AdmissionReview or a preview answer";
  }
  if (answer.status >= 400 && answer.status < 500) {
    if (json.kind !== "Status" || typeof json.message !== "string" || json.message.length === 0) return `status ${answer.status} without a Status message`;
    return undefined;
  }
  return `status ${answer.status}${json.kind === "Status" ? `: ${String(json.message)}` : ""}`;
}

function reviewProblem(review: Record<string, unknown>, expectedUid?: string): string | undefined {
  if (review.apiVersion !== "admission.k8s.io/v1") return "AdmissionReview without apiVersion admission.k8s.io/v1";
  const response = review.response;
  if (!isObject(response)) return "AdmissionReview without a response";
  if (typeof response.uid !== "string") return "response without a uid";
  if (expectedUid !== undefined && response.uid !== expectedUid) return `response uid ${response.uid} is not the request's ${expectedUid}`;
  if (typeof response.allowed !== "boolean") return "response without allowed";
  if (response.patch !== undefined) {
    if (response.patchType !== "JSONPatch") return "patch without patchType JSONPatch";
    try {
      const ops: unknown = JSON.parse(Buffer.from(String(response.patch), "base64").toString("utf8"));
      if (!Array.isArray(ops)) return "patch is not a JSON array";
    } catch {
      return "patch is not base64 JSON";
    }
  }
  return undefined;
}

/** A stack frame or a source path in an answer, if any. */
export function leakIn(body: string): string | undefined {
  if (/\n\s+at [^\n]+:\d+:\d+/.test(body) || /\bat (?:async )?[\w.<>]+ \([^)]*:\d+:\d+\)/.test(body)) return "a stack trace";
  const path = /(?:\/[\w.@-]+)+\/[\w.@-]+\.(?:[cm]?js|ts)\b|node_modules|file:\/\//.exec(body);
  return path ? `a file path (${path[0].slice(0, 60)})` : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The decoded response of a 200 AdmissionReview answer, or undefined. */
export function admissionResponse(body: string): { uid: string; allowed: boolean; patch: { op: string; path: string; value?: unknown }[]; auditAnnotations?: Record<string, string>; status?: { message?: string } } | undefined {
  try {
    const review = JSON.parse(body) as { response?: { uid: string; allowed: boolean; patch?: string; auditAnnotations?: Record<string, string>; status?: { message?: string } } };
    const r = review.response;
    if (!r) return undefined;
    const patch = r.patch ? (JSON.parse(Buffer.from(r.patch, "base64").toString("utf8")) as { op: string; path: string; value?: unknown }[]) : [];
    return { uid: r.uid, allowed: r.allowed, patch, auditAnnotations: r.auditAnnotations, status: r.status };
  } catch {
    return undefined;
  }
}
