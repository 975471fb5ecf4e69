// Schema validation of Pods with kubernetes-models (an independent implementation of the v1 schema).
import { Pod } from "kubernetes-models/v1";

/** Throws with the schema errors when `object` is not a valid v1 Pod. */
export function assertValidPod(object: unknown): void {
  new Pod(object as ConstructorParameters<typeof Pod>[0]).validate();
}
