// Bounds on the work one Pod may ask of the engine. The API server limits a request body to 3 MiB but sets
// no limit on the number of containers or on the length of the lists in a Pod; a 3 MiB Pod can hold
// 200,000 capabilities or 100,000 containers, and judging them takes seconds in which the webhook answers
// nobody (issue 14). Real Pods are far below these limits (the kernel knows 41 capabilities; Pods with more
// than a few dozen containers are not seen in practice), so a Pod above them is refused with a message
// naming the limit instead of being judged. Checked before any strategy runs, in linear time.
import { CONTAINER_LISTS } from "./containers.js";
import type { Pod } from "./types.js";
import { UnsupportedObjectError } from "./workload.js";
import { isObject, type Json } from "./json.js";

/** At most this many containers, init, regular and ephemeral together. */
export const MAX_CONTAINERS = 500;
/**
 * At most this many entries in the lists the strategies read, all lists of the Pod together: each
 * container's capabilities.add and .drop, ports and volumeMounts; the Pod's volumes, sysctls and
 * supplementalGroups.
 */
export const MAX_LIST_ENTRIES = 10_000;

/** The Pod is above a limit of this file; the message names the limit and the largest list. */
export class LimitExceededError extends UnsupportedObjectError {
  constructor(message: string, field: string) {
    super(message, field);
    this.name = "LimitExceededError";
  }
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/** Throws LimitExceededError when the Pod is above MAX_CONTAINERS or MAX_LIST_ENTRIES. `prefix` is prepended to field paths. */
export function checkLimits(pod: Pod, prefix = ""): void {
  const spec = pod.spec as unknown as Json | undefined;
  if (!isObject(spec)) return;
  let containers = 0;
  for (const list of CONTAINER_LISTS) containers += lengthOf(spec[list]);
  if (containers > MAX_CONTAINERS) {
    throw new LimitExceededError(
      `the Pod has ${containers} containers (init, regular and ephemeral); secure-defaults judges at most ${MAX_CONTAINERS}`,
      `${prefix}spec.containers`,
    );
  }

  let entries = 0;
  let largest = { path: "", length: 0 };
  const count = (value: unknown, path: string) => {
    const length = lengthOf(value);
    entries += length;
    if (length > largest.length) largest = { path, length };
  };
  const podContext = isObject(spec.securityContext) ? spec.securityContext : {};
  count(spec.volumes, "spec.volumes");
  count(podContext.sysctls, "spec.securityContext.sysctls");
  count(podContext.supplementalGroups, "spec.securityContext.supplementalGroups");
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((container: unknown, index) => {
      if (!isObject(container)) return;
      const path = `spec.${list}[${index}]`;
      count(container.ports, `${path}.ports`);
      count(container.volumeMounts, `${path}.volumeMounts`);
      const context = container.securityContext;
      const capabilities = isObject(context) && isObject(context.capabilities) ? context.capabilities : {};
      count(capabilities.add, `${path}.securityContext.capabilities.add`);
      count(capabilities.drop, `${path}.securityContext.capabilities.drop`);
    });
  }
  if (entries > MAX_LIST_ENTRIES) {
    throw new LimitExceededError(
      `the Pod's capabilities, ports, volumeMounts, volumes, sysctls and supplementalGroups lists hold ${entries} entries together ` +
        `(the largest, ${prefix}${largest.path}, ${largest.length}); secure-defaults judges at most ${MAX_LIST_ENTRIES}`,
      prefix + largest.path,
    );
  }
}
