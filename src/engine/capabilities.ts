// PSP capabilities strategy (psp-semantics 5.1): default adds, required drops, allowed adds.
// Matching is exact and case-sensitive; `ALL` is an ordinary name, `*` in allowedCapabilities is the
// only wildcard.
import type { Capabilities } from "kubernetes-types/core/v1.js";
import { compareBytewise } from "./bytewise.js";
import { containerContext, isUnset, setContainerField } from "./security-context.js";
import type { ContainerStep, ContainerView } from "./types.js";

const WILDCARD = "*";

function names(list: readonly string[] | null | undefined): string[] {
  return Array.isArray(list) ? list.filter((c): c is string => typeof c === "string") : [];
}

function ownCapabilities(view: ContainerView): Capabilities | undefined {
  const caps = containerContext(view)?.capabilities;
  return isUnset(caps) ? undefined : caps;
}

function listText(list: readonly string[]): string {
  return `[${list.join(", ")}]`;
}

/** Each name once, in first-seen order; linear (a hostile list may hold thousands of names). */
function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function sortedList(list: readonly string[]): string[] | undefined {
  return list.length === 0 ? undefined : unique(list).sort(compareBytewise);
}

export const defaultCapabilities: ContainerStep = (view, _pod, policy, out) => {
  const own = ownCapabilities(view);
  const add = names(own?.add);
  const drop = names(own?.drop);
  const adding = new Set(add);
  const dropping = new Set(drop);

  // A default add is skipped when the container itself drops that name.
  const newAdds = unique(policy.defaultAddCapabilities).filter((c) => !dropping.has(c) && !adding.has(c));
  const newDrops = unique(policy.requiredDropCapabilities).filter((c) => !dropping.has(c));
  if (newAdds.length === 0 && newDrops.length === 0) return; // kept exactly as written

  const rebuilt: Capabilities = {};
  const addList = sortedList([...add, ...newAdds]);
  const dropList = sortedList([...drop, ...newDrops]);
  if (addList) rebuilt.add = addList;
  if (dropList) rebuilt.drop = dropList;
  setContainerField(view, "capabilities", rebuilt);

  // One write, one reason: the field is the required drops when they contributed, else the default adds;
  // the message names every policy list that contributed.
  const causes: string[] = [];
  if (newAdds.length > 0) causes.push(`defaultAddCapabilities ${listText(policy.defaultAddCapabilities)}`);
  if (newDrops.length > 0) causes.push(`requiredDropCapabilities ${listText(policy.requiredDropCapabilities)}`);
  out.reasons.push({
    path: `${view.path}.securityContext.capabilities`,
    field: newDrops.length > 0 ? "requiredDropCapabilities" : "defaultAddCapabilities",
    message: `set capabilities to ${describeCapabilities(addList, dropList)} (${causes.join(", ")})`,
  });
};

/** `add [X], drop [ALL]`, leaving out a list that is absent. */
function describeCapabilities(add: string[] | undefined, drop: string[] | undefined): string {
  const parts = [add ? `add ${listText(add)}` : "", drop ? `drop ${listText(drop)}` : ""];
  return parts.filter(Boolean).join(", ");
}

export const checkCapabilities: ContainerStep = (view, _pod, policy, out) => {
  const path = `${view.path}.securityContext.capabilities`;
  const own = ownCapabilities(view);
  if (!own) {
    if (policy.defaultAddCapabilities.length === 0 && policy.requiredDropCapabilities.length === 0) return;
    out.violations.push({
      policy: policy.name,
      path,
      field: policy.requiredDropCapabilities.length > 0 ? "requiredDropCapabilities" : "defaultAddCapabilities",
      message: "required capabilities are not set on the securityContext",
    });
    return;
  }

  const allowed = policy.allowedCapabilities;
  if (allowed.includes(WILDCARD)) return; // the wildcard skips every other capability check

  const mayAdd = new Set([...policy.defaultAddCapabilities, ...allowed]);
  for (const cap of names(own.add)) {
    if (mayAdd.has(cap)) continue;
    out.violations.push({
      policy: policy.name,
      path: `${path}.add`,
      field: "allowedCapabilities",
      message: `capability "${cap}" may not be added`,
    });
  }

  const drops = new Set(names(own.drop));
  for (const required of policy.requiredDropCapabilities) {
    if (drops.has(required)) continue;
    out.violations.push({
      policy: policy.name,
      path: `${path}.drop`,
      field: "requiredDropCapabilities",
      message: `${required} is required to be dropped but was not found`,
    });
  }
};
