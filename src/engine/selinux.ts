// PSP SELinux strategies (psp-semantics 5.6): MustRunAs writes the policy's options at pod level (and on
// a container only when neither it nor the pod has options) and requires an exact match, with levels
// compared as sensitivity + category set; RunAsAny does nothing.
import { effective, isUnset, podContext, setContainerField, setPodField } from "./security-context.js";
import type { ContainerStep, Findings, PodStep, Policy, SELinuxOptions } from "./types.js";
import { inheritedNote } from "./users-inherited.js";

const KEYS = ["level", "role", "type", "user"] as const; // PSP's check order

/** The policy's options as PSP writes them: only non-empty keys, in a fresh object. */
function generated(policy: Policy): SELinuxOptions | undefined {
  if (policy.seLinux.rule !== "MustRunAs" || !policy.seLinux.seLinuxOptions) return undefined;
  const source = policy.seLinux.seLinuxOptions;
  const options: SELinuxOptions = {};
  for (const key of ["user", "role", "type", "level"] as const) {
    const value = source[key];
    if (typeof value === "string" && value !== "") options[key] = value;
  }
  return options;
}

function formatOptions(options: SELinuxOptions): string {
  const parts = (["user", "role", "type", "level"] as const).filter((k) => options[k]).map((k) => `${k}=${options[k]}`);
  return `{${parts.join(" ")}}`;
}

/** `s0:c6,c0` equals `s0:c0,c6`: same sensitivity, same category multiset. */
export function equalLevels(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const e = splitLevel(expected);
  const a = splitLevel(actual);
  if (!e || !a || e.sensitivity !== a.sensitivity) return false;
  const ec = e.categories.split(",").sort();
  const ac = a.categories.split(",").sort();
  return ec.length === ac.length && ec.every((c, i) => c === ac[i]);
}

function splitLevel(level: string): { sensitivity: string; categories: string } | undefined {
  const at = level.indexOf(":");
  return at < 0 ? undefined : { sensitivity: level.slice(0, at), categories: level.slice(at + 1) };
}

function validate(policy: Policy, options: SELinuxOptions | undefined, path: string, note: string, out: Findings): void {
  if (policy.seLinux.rule !== "MustRunAs") return;
  if (!options) {
    out.violations.push({ policy: policy.name, path, field: "seLinux.rule", message: "seLinuxOptions is required (seLinux rule MustRunAs)" });
    return;
  }
  const wanted = policy.seLinux.seLinuxOptions ?? {};
  for (const key of KEYS) {
    const want = wanted[key] ?? "";
    const got = options[key] ?? "";
    const same = key === "level" ? equalLevels(want, got) : want === got;
    if (same) continue;
    out.violations.push({
      policy: policy.name,
      path: `${path}.${key}`,
      field: "seLinux.seLinuxOptions",
      message: `seLinuxOptions.${key} "${got}"${note}: must be "${want}"`,
    });
  }
}

export const defaultPodSeLinux: PodStep = (pod, policy, out) => {
  if (!pod.spec || !isUnset(podContext(pod)?.seLinuxOptions)) return;
  const options = generated(policy);
  if (!options) return;
  setPodField(pod, "seLinuxOptions", options);
  out.reasons.push({
    path: "spec.securityContext.seLinuxOptions",
    field: "seLinux.seLinuxOptions",
    message: `set seLinuxOptions to ${formatOptions(options)} (seLinux rule MustRunAs)`,
  });
};

export const defaultContainerSeLinux: ContainerStep = (view, pod, policy, out) => {
  if (effective(view, pod, "seLinuxOptions") !== undefined) return;
  const options = generated(policy);
  if (!options) return;
  setContainerField(view, "seLinuxOptions", options);
  out.reasons.push({
    path: `${view.path}.securityContext.seLinuxOptions`,
    field: "seLinux.seLinuxOptions",
    message: `set seLinuxOptions to ${formatOptions(options)} (seLinux rule MustRunAs)`,
  });
};

export const checkPodSeLinux: PodStep = (pod, policy, out) => {
  const options = podContext(pod)?.seLinuxOptions;
  validate(policy, isUnset(options) ? undefined : (options as SELinuxOptions), "spec.securityContext.seLinuxOptions", "", out);
};

export const checkContainerSeLinux: ContainerStep = (view, pod, policy, out) => {
  const path = `${view.path}.securityContext.seLinuxOptions`;
  validate(policy, effective(view, pod, "seLinuxOptions"), path, inheritedNote(view, pod, "seLinuxOptions"), out);
};
