// --default-policy of `preview` (offline and --cluster): it must name a loaded policy, as serve refuses
// to start with one that is not loaded.
import type { Policy } from "../engine/types.js";

/** The message for a --default-policy that names no loaded policy; undefined when it is fine (or not given). */
export function unknownDefaultPolicy(policies: readonly Policy[], defaultPolicy: string | undefined): string | undefined {
  if (defaultPolicy === undefined || policies.some((p) => p.name === defaultPolicy)) return undefined;
  return `--default-policy "${defaultPolicy}" is not one of the loaded policies (${policies.map((p) => p.name).join(", ")})`;
}
