// PSP group strategies (psp-semantics 5.3-5.5): MustRunAs, MayRunAs, RunAsAny for the pod's
// supplementalGroups and fsGroup and the containers' effective runAsGroup.
import { formatRanges, inRanges } from "./ranges.js";
import { effective, isUnset, podContext, setContainerField, setPodField } from "./security-context.js";
import type { ContainerStep, Findings, GroupStrategy, Pod, PodStep, Policy } from "./types.js";
import { runAsGroupInForce } from "./user-namespaces.js";
import { inheritedNote } from "./users-inherited.js";

/** The policy field a group strategy comes from, e.g. `fsGroup` or `userNamespaces.runAsGroup`. */
type GroupField = string;

/** MustRunAs generates the first range's min; MayRunAs and RunAsAny generate nothing. */
function generated(strategy: GroupStrategy): number | undefined {
  return strategy.rule === "MustRunAs" && strategy.ranges.length > 0 ? strategy.ranges[0].min : undefined;
}

/** `undefined` for unset; an explicit `[]` counts as unset too (the API server never sends one). */
function supplementalGroupsOf(pod: Pod): number[] | undefined {
  const groups = podContext(pod)?.supplementalGroups;
  return Array.isArray(groups) && groups.length > 0 ? groups : undefined;
}

/** PSP's group Validate: `groups` is the list being judged (empty = unset). */
function validateGroups(
  strategy: GroupStrategy,
  groups: readonly number[],
  name: GroupField,
  path: string,
  note: string,
  policy: Policy,
  out: Findings,
): void {
  if (strategy.rule === "RunAsAny") return;
  if (strategy.rule === "MustRunAs" && groups.length === 0 && strategy.ranges.length > 0) {
    out.violations.push({
      policy: policy.name,
      path,
      field: `${name}.rule`,
      message: `${name} is required: unable to validate empty groups against required ranges (${name} rule MustRunAs)`,
    });
  }
  for (const group of groups) {
    if (inRanges(group, strategy.ranges)) continue;
    out.violations.push({
      policy: policy.name,
      path,
      field: `${name}.ranges`,
      message: `group ${group}${note} must be in the ranges: ${formatRanges(strategy.ranges)}`,
    });
  }
}

export const defaultSupplementalGroups: PodStep = (pod, policy, out) => {
  if (!pod.spec || supplementalGroupsOf(pod) !== undefined) return;
  const gid = generated(policy.supplementalGroups);
  if (gid === undefined) return;
  setPodField(pod, "supplementalGroups", [gid]);
  out.reasons.push({
    path: "spec.securityContext.supplementalGroups",
    field: "supplementalGroups.rule",
    message: `set supplementalGroups to [${gid}] (supplementalGroups rule MustRunAs, the first range's min)`,
  });
};

export const defaultFsGroup: PodStep = (pod, policy, out) => {
  if (!pod.spec || !isUnset(podContext(pod)?.fsGroup)) return;
  const gid = generated(policy.fsGroup);
  if (gid === undefined) return;
  setPodField(pod, "fsGroup", gid);
  out.reasons.push({
    path: "spec.securityContext.fsGroup",
    field: "fsGroup.rule",
    message: `set fsGroup to ${gid} (fsGroup rule MustRunAs, the first range's min)`,
  });
};

export const defaultRunAsGroup: ContainerStep = (view, pod, policy, out) => {
  if (effective(view, pod, "runAsGroup") !== undefined) return;
  const { strategy, field } = runAsGroupInForce(pod, policy);
  const gid = generated(strategy);
  if (gid === undefined) return;
  setContainerField(view, "runAsGroup", gid);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsGroup`,
    field: `${field}.rule`,
    message: `set runAsGroup to ${gid} (${field} rule MustRunAs, the first range's min)`,
  });
};

export const checkFsGroup: PodStep = (pod, policy, out) => {
  const fsGroup = podContext(pod)?.fsGroup;
  const groups = isUnset(fsGroup) ? [] : [fsGroup as number];
  validateGroups(policy.fsGroup, groups, "fsGroup", "spec.securityContext.fsGroup", "", policy, out);
};

export const checkSupplementalGroups: PodStep = (pod, policy, out) => {
  const groups = supplementalGroupsOf(pod) ?? [];
  validateGroups(policy.supplementalGroups, groups, "supplementalGroups", "spec.securityContext.supplementalGroups", "", policy, out);
};

export const checkRunAsGroup: ContainerStep = (view, pod, policy, out) => {
  const gid = effective(view, pod, "runAsGroup");
  const groups = gid === undefined ? [] : [gid];
  const path = `${view.path}.securityContext.runAsGroup`;
  const { strategy, field } = runAsGroupInForce(pod, policy);
  validateGroups(strategy, groups, field, path, inheritedNote(view, pod, "runAsGroup"), policy, out);
};
