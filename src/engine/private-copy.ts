// The provider's private Pod: a copy of exactly the parts the strategies may write, sharing the rest with
// the input. Strategies write only top-level fields of the pod's and the containers' securityContext
// (through the setters in security-context.ts, always with fresh values) and `spec.runtimeClassName`, so
// shallow copies of the Pod, its spec, the container lists, each container and each securityContext
// leave the input untouched (a property test runs the engine on frozen input). Everything else keeps its
// identity, which lets the patch comparison skip it (patch.ts stops at identical references).
import { CONTAINER_LISTS } from "./containers.js";
import type { Pod } from "./types.js";
import { isObject, type Json } from "./json.js";

/**
 * A shallow copy of an object with a shallow copy of its `securityContext`; anything else as it is.
 * Object.assign rather than spread: V8 gives a spread copy a map that is slow to extend, and a
 * container without a securityContext gets one added (1.1 µs against 0.2 µs per container, measured).
 */
function withOwnSecurityContext(holder: unknown): unknown {
  if (!isObject(holder)) return holder;
  const copy: Json = Object.assign({}, holder);
  if (isObject(holder.securityContext)) copy.securityContext = Object.assign({}, holder.securityContext);
  return copy;
}

/** A copy of `input` that the strategies may mutate without touching `input`. */
export function privateCopy(input: Pod): Pod {
  const pod: Pod = { ...input };
  if (!input.spec || typeof input.spec !== "object") return pod;
  const spec = withOwnSecurityContext(input.spec) as Json;
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (Array.isArray(containers)) spec[list] = containers.map(withOwnSecurityContext);
  }
  pod.spec = spec as unknown as NonNullable<Pod["spec"]>;
  return pod;
}
