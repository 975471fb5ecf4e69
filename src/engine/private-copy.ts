// The provider's private Pod: a copy of exactly the parts the strategies may write, sharing the rest with
// the input. Strategies write only top-level fields of the spec, the containers and their and the pod's
// securityContext, always with fresh values (the setters in security-context.ts, `spec.runtimeClassName`,
// scratch space's `spec.volumes` and `volumeMounts`), so shallow copies of the Pod, its spec, the
// container lists, each container and each securityContext leave the input untouched (a property test
// runs the engine on frozen input). Everything else keeps its identity, which lets the patch comparison
// and the test whether anything changed skip it (both stop at identical references).
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

/**
 * Whether the private copy equals the input, i.e. nothing was written (or only equal values). Skips
 * identical references and stops at the first difference, so it walks only the copied objects: under a
 * microsecond for a Pod the policy changes; for one it leaves as it is, about a sixth of the provider's
 * time (node:util isDeepStrictEqual takes three to six times as long, measured).
 */
export function unchanged(copy: unknown, input: unknown): boolean {
  if (copy === input) return true;
  if (!isObject(copy) || !isObject(input)) return Array.isArray(copy) && Array.isArray(input) && sameItems(copy, input);
  const keys = Object.keys(copy);
  if (keys.length !== Object.keys(input).length) return false;
  for (const key of keys) {
    const value = copy[key];
    // An identical value needs no look inside; an undefined one may stand for a key the input lacks.
    if (value !== input[key] ? !unchanged(value, input[key]) : value === undefined && !Object.hasOwn(input, key)) return false;
  }
  return true;
}

function sameItems(copy: readonly unknown[], input: readonly unknown[]): boolean {
  if (copy.length !== input.length) return false;
  for (let i = 0; i < copy.length; i++) if (copy[i] !== input[i] && !unchanged(copy[i], input[i])) return false;
  return true;
}
