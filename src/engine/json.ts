// A parsed JSON object, and the test for one: the shape every layer checks before reading fields of
// input it does not trust (Pods, AdmissionReviews, policy and manifest documents).

export type Json = Record<string, unknown>;

/** A JSON object: not null, not a list. */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
