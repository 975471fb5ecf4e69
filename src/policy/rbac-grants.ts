// PodSecurityPolicies loaded beside RBAC documents (a chart's file as shipped, or a cluster's export):
// who may use each PodSecurityPolicy is derived from the Roles, ClusterRoles and bindings of all loaded
// policy files exactly as `secure-defaults import` derives it. Without RBAC documents a PodSecurityPolicy
// stays usable by everyone, as before. Pure.
import type { Policy } from "../engine/types.js";
import { ImportError, importPodSecurityPolicies, type ImportObject } from "./import-psp.js";
import { issue, type IssueLocation, type PolicyIssue } from "./issues.js";

/** A loaded policy and where it is. */
export interface LocatedPolicy {
  policy: Policy;
  at: IssueLocation;
}

/** The raw documents the grants are derived from: each loaded PodSecurityPolicy and RBAC document. */
export interface GrantInput {
  psps: ImportObject[];
  rbac: ImportObject[];
}

export interface GrantOutcome {
  policies: LocatedPolicy[];
  issues: PolicyIssue[];
  warnings: PolicyIssue[];
}

/** An import line, `<where> (<Kind> "<name>"): <message>`, as an issue located at its `<where>` part. */
function lineIssue(line: string): PolicyIssue {
  const m = /^(.*?\)): (.*)$/s.exec(line);
  return m ? issue({ file: m[1] }, [], m[2]) : issue({ file: line }, [], "see secure-defaults import");
}

export function applyRbacGrants(policies: readonly LocatedPolicy[], input: GrantInput): GrantOutcome {
  if (input.rbac.length === 0) return { policies: [...policies], issues: [], warnings: [] };
  if (input.psps.length === 0) {
    const files = [...new Set(input.rbac.map((o) => o.source.split(": document")[0]))];
    return {
      policies: [...policies],
      issues: [],
      warnings: files.map((file) => issue({ file }, [], "RBAC documents grant use of PodSecurityPolicies, but no PodSecurityPolicy is loaded: they grant nothing")),
    };
  }
  let imported;
  try {
    imported = importPodSecurityPolicies([...input.psps, ...input.rbac]);
  } catch (error) {
    if (error instanceof ImportError) return { policies: [...policies], issues: error.problems.map(lineIssue), warnings: [] };
    throw error;
  }
  const subjectsOf = new Map(imported.policies.map((p) => [p.name, p.document.spec.subjects]));
  const warnings = imported.notes.map(lineIssue);
  const granted = policies.map((located) => {
    if (located.policy.kind !== "PodSecurityPolicy") return located;
    const subjects = subjectsOf.get(located.policy.name) ?? [];
    if (subjects.length === 0) {
      warnings.push(
        issue(located.at, [], "no RoleBinding or ClusterRoleBinding in the loaded policy files grants use of this PodSecurityPolicy, so no one may use it (as under PSP)"),
      );
    }
    return { ...located, policy: { ...located.policy, subjects } };
  });
  return { policies: granted, issues: [], warnings };
}
