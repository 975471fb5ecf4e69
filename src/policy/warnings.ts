// Valid but probably unintended policies: settings PSP accepted and then acted on in a way that
// surprises (a default profile that is not allowed, ranges a rule ignores, ...). Returned, not thrown.
import { profileAllowed } from "../engine/profiles.js";
import type { Policy, ProfileStrategy } from "../engine/types.js";
import type { ProfilePaths } from "./defaults.js";
import { issue, type IssueLocation, type PathSegment, type PolicyIssue } from "./issues.js";
import { show } from "./schema.js";

function profileWarnings(kind: "seccomp" | "AppArmor", p: ProfileStrategy, paths: [PathSegment[], PathSegment[]], out: (path: PathSegment[], detail: string) => void): void {
  const [defaultPath, allowedPath] = paths;
  if (p.defaultProfile !== undefined && p.allowedProfiles === undefined && kind === "seccomp") {
    out(defaultPath, `default profile ${show(p.defaultProfile)} without an allowed list: PSP then rejects every Pod ("seccomp may not be set"); list the allowed profiles too`);
  } else if (p.defaultProfile !== undefined && p.allowedProfiles !== undefined && !profileAllowed(p.defaultProfile, p.allowedProfiles)) {
    out(defaultPath, `default profile ${show(p.defaultProfile)} is not in the allowed list, so every Pod that does not set its own ${kind} profile is rejected`);
  }
  if (kind === "AppArmor" && p.allowedProfiles !== undefined && p.defaultProfile === undefined) {
    out(allowedPath, `an allowed list without a default profile makes every container set its own AppArmor profile ("AppArmor profile must be set"); add a default profile, or remove the list`);
  }
}

/** Warnings for one loaded policy, located like load errors. */
export function policyWarnings(policy: Policy, at: IssueLocation, profilePaths: ProfilePaths): PolicyIssue[] {
  const warnings: PolicyIssue[] = [];
  const out = (path: PathSegment[], detail: string) => warnings.push(issue(at, path, detail));

  profileWarnings("seccomp", policy.seccomp, [profilePaths.seccompDefault, profilePaths.seccompAllowed], out);
  profileWarnings("AppArmor", policy.appArmor, [profilePaths.appArmorDefault, profilePaths.appArmorAllowed], out);

  const ignoring = { runAsUser: ["RunAsAny", "MustRunAsNonRoot"], supplementalGroups: ["RunAsAny"], fsGroup: ["RunAsAny"] } as const;
  for (const [field, rules] of Object.entries(ignoring)) {
    const strategy = policy[field as keyof typeof ignoring];
    if ((rules as readonly string[]).includes(strategy.rule) && strategy.ranges.length > 0) {
      out(["spec", field, "ranges"], `ignored when the rule is ${strategy.rule}`);
    }
  }
  if (policy.seLinux.rule === "RunAsAny" && policy.seLinux.seLinuxOptions) out(["spec", "seLinux", "seLinuxOptions"], "ignored when the rule is RunAsAny");

  const volumeAllowed = (type: string) => policy.volumes.includes(type) || policy.volumes.includes("*");
  const needs = [
    ["allowedHostPaths", "hostPath"],
    ["allowedFlexVolumes", "flexVolume"],
    ["allowedCSIDrivers", "csi"],
  ] as const;
  for (const [field, type] of needs) {
    if (policy[field].length > 0 && !volumeAllowed(type)) out(["spec", field], `has no effect: volumes does not allow ${type}`);
  }
  if (policy.scratchSpace?.length) {
    if (!policy.readOnlyRootFilesystem) out(["spec", "scratchSpace"], "has no effect: scratch space is only added where readOnlyRootFilesystem: true is defaulted");
    else if (!volumeAllowed("emptyDir")) out(["spec", "scratchSpace"], "has no effect: volumes does not allow emptyDir, so no scratch volume can be added");
  }
  if (!volumeAllowed("projected") && !volumeAllowed("secret")) {
    out(["spec", "volumes"], "allows neither projected nor secret, so every Pod that mounts its service-account token (the API server adds that volume by default) is rejected");
  }

  for (const field of ["defaultAddCapabilities", "requiredDropCapabilities", "allowedCapabilities"] as const) {
    policy[field].forEach((cap, i) => {
      const bare = cap.toUpperCase().replace(/^CAP_/, "");
      if (cap !== "*" && cap !== bare) {
        out(["spec", field, i], `${show(cap)}: capability names are compared exactly and Pods write them upper case without CAP_; did you mean ${bare}?`);
      }
    });
  }

  const binding = policy.binding;
  if (binding && !binding.namespaceSelector && binding.namespaces?.length === 0) {
    out(["spec", "namespaces"], "is empty and there is no namespaceSelector, so the policy applies to no namespace");
  }
  if (policy.subjects?.length === 0) {
    out(["spec", "subjects"], "is empty, so no one may use the policy (leave subjects out to let everyone use it)");
  }
  return warnings;
}
