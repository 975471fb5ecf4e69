// The provider's private Pod: a copy of exactly the parts the strategies may write, sharing the rest with
// the input. Strategies write only through the security-context setters (which replace a securityContext
// with a fresh object) and `spec.runtimeClassName`, so copying the Pod, its spec, the container lists and
// each container is enough to leave the input untouched. Unchanged parts keep their identity, which lets
// the patch comparison skip them (fast-json-patch stops at identical references).
import { CONTAINER_LISTS } from "./containers.js";
import type { Pod } from "./types.js";

function copyContainer(container: unknown): unknown {
  return container && typeof container === "object" && !Array.isArray(container) ? { ...container } : container;
}

/** A copy of `input` that the strategies may mutate without touching `input`. */
export function privateCopy(input: Pod): Pod {
  const pod: Pod = { ...input };
  if (!input.spec || typeof input.spec !== "object") return pod;
  const spec = { ...input.spec };
  for (const list of CONTAINER_LISTS) {
    const containers: unknown = spec[list];
    if (Array.isArray(containers)) (spec as Record<string, unknown>)[list] = containers.map(copyContainer);
  }
  pod.spec = spec;
  return pod;
}
