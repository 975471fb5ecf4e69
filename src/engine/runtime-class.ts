// runtimeClass (psp-semantics 5.12): default the Pod's runtimeClassName, then check it is allowed.
import type { PodStep } from "./types.js";

function runtimeClassName(spec: { runtimeClassName?: string | null } | undefined): string | undefined {
  const value = spec?.runtimeClassName;
  return typeof value === "string" ? value : undefined;
}

/** A Pod without runtimeClassName gets the policy's default, if the policy has one. */
export const defaultRuntimeClass: PodStep = (pod, policy, out) => {
  const strategy = policy.runtimeClass;
  if (!strategy || !pod.spec) return;
  if (runtimeClassName(pod.spec) !== undefined) return;
  const name = strategy.defaultRuntimeClassName;
  if (name === undefined || name === null) return;
  pod.spec.runtimeClassName = name;
  out.reasons.push({
    path: "spec.runtimeClassName",
    field: "runtimeClass.defaultRuntimeClassName",
    message: `set runtimeClassName to ${name} (runtimeClass.defaultRuntimeClassName)`,
  });
};

/**
 * A Pod without runtimeClassName always passes; otherwise the name must be listed in
 * allowedRuntimeClassNames or the list must contain `*` (an empty list allows no runtime class).
 */
export const checkRuntimeClass: PodStep = (pod, policy, out) => {
  const strategy = policy.runtimeClass;
  if (!strategy) return;
  const name = runtimeClassName(pod.spec);
  if (name === undefined) return;
  const allowed = strategy.allowedRuntimeClassNames;
  if (allowed.some((a) => a === "*" || a === name)) return;
  const detail = allowed.length === 0 ? "the policy allows only Pods without a runtime class" : `Allowed runtime classes: [${allowed.join(", ")}]`;
  out.violations.push({
    policy: policy.name,
    path: "spec.runtimeClassName",
    field: "runtimeClass.allowedRuntimeClassNames",
    message: `RuntimeClass "${name}" is not allowed to be used. ${detail}`,
  });
};
