// Which loaded policies apply to a namespace. Pure: namespace labels come from the caller.
import type { LabelSelector, Policy } from "../engine/types.js";

/** Kubernetes label selector semantics: matchLabels AND every matchExpression; an empty selector matches all. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return has(key) && values.includes(labels[key]);
      case "NotIn":
        return !has(key) || !values.includes(labels[key]);
      case "Exists":
        return has(key);
      case "DoesNotExist":
        return !has(key);
      default:
        return false;
    }
  });
}

/**
 * `binding.namespaces` as a Set, built once per (immutable, loaded) list: a policy bound to 10,000
 * namespaces must not cost a linear scan on every admission request.
 */
const namespaceSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function namesNamespace(namespaces: readonly string[], namespace: string): boolean {
  if (namespaces.length <= 8) return namespaces.includes(namespace);
  let set = namespaceSets.get(namespaces);
  if (!set) {
    set = new Set(namespaces);
    namespaceSets.set(namespaces, set);
  }
  return set.has(namespace);
}

/** Whether a policy's binding names the namespace or its labels match the selector (false when unbound). */
export function isBoundTo(policy: Policy, namespace: string, labels?: Readonly<Record<string, string>>): boolean {
  const binding = policy.binding;
  if (!binding) return false;
  if (binding.namespaces && namesNamespace(binding.namespaces, namespace)) return true;
  return binding.namespaceSelector !== undefined && labels !== undefined && selectorMatches(binding.namespaceSelector, labels);
}

/**
 * The policies that may admit a Pod in `namespace`. A policy without a binding applies everywhere; a
 * bound policy applies when the namespace is listed in `namespaces` or its labels match
 * `namespaceSelector`. With unknown labels (undefined) a selector cannot match, so only `namespaces`
 * counts. With no namespace at all (offline preview of a manifest without one) every policy is a candidate.
 */
export function candidatesFor(policies: readonly Policy[], namespace?: string, labels?: Readonly<Record<string, string>>): Policy[] {
  if (namespace === undefined) return [...policies];
  return policies.filter((policy) => !policy.binding || isBoundTo(policy, namespace, labels));
}

export function policyByName(policies: readonly Policy[], name: string): Policy | undefined {
  return policies.find((p) => p.name === name);
}
