// Schema validation of NetworkPolicies with kubernetes-models, plus the unknown-field check it lacks.
import assert from "node:assert/strict";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { unknownFields } from "./manifests-render.js";

/** Throws with the schema errors, or the unknown fields, when `object` is not a valid NetworkPolicy. */
export function assertValidNetworkPolicy(object: unknown): void {
  new NetworkPolicy(object as ConstructorParameters<typeof NetworkPolicy>[0]).validate();
  assert.deepEqual(unknownFields(object, "V1NetworkPolicy"), [], "unknown fields");
}
