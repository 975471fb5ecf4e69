// What PSP itself decided, as the reference the imported policies are checked against: the PSPs loaded
// unchanged (kind PodSecurityPolicy), and an RBAC authorizer written from the Kubernetes sources
// (rbac/v1 appliesTo + RuleAllows, the authorizer chain's system:masters, PSP's isAuthorizedForPolicy
// asking for the ServiceAccount and the user, in API group policy or extensions, in the Pod's
// namespace). It reads the raw RBAC objects itself and shares no code with the importer.
import { evaluate } from "../../src/engine/evaluate.js";
import type { EvaluationResult, Policy } from "../../src/engine/types.js";
import { parsePolicies } from "../../src/policy/load.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

export interface ReferenceUser {
  username: string;
  groups: string[];
}

const SA_PREFIX = "system:serviceaccount:";

function appliesTo(user: ReferenceUser, subject: Obj, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return user.username === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace;
      return ns !== "" && user.username === `${SA_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

const matches = (list: string[] | undefined, value: string) => (list ?? []).includes("*") || (list ?? []).includes(value);

function ruleAllows(rule: Obj, group: string, name: string): boolean {
  return (
    matches(rule.verbs, "use") &&
    matches(rule.apiGroups, group) &&
    matches(rule.resources, "podsecuritypolicies") &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(name))
  );
}

export class ReferenceCluster {
  readonly psps: Policy[];
  readonly #objects: Obj[];

  constructor(objects: readonly unknown[]) {
    this.#objects = objects as Obj[];
    this.psps = this.#objects
      .filter((o) => o.kind === "PodSecurityPolicy")
      .flatMap((o, i) => parsePolicies(JSON.stringify(o), `reference#${i}`).policies);
  }

  #role(kind: string, name: string, namespace?: string): Obj | undefined {
    return this.#objects.find((o) => o.kind === kind && o.metadata?.name === name && (kind === "ClusterRole" || o.metadata?.namespace === namespace));
  }

  /** The RBAC authorizer's answer to "may `user` use PSP `name` in `namespace` (API group `group`)?". */
  authorize(user: ReferenceUser | undefined, namespace: string, group: string, name: string): boolean {
    if (!user) return false;
    if (user.groups.includes("system:masters")) return true;
    for (const b of this.#objects) {
      const clusterWide = b.kind === "ClusterRoleBinding";
      if (!clusterWide && !(b.kind === "RoleBinding" && b.metadata.namespace === namespace)) continue;
      const bindingNs = clusterWide ? "" : b.metadata.namespace;
      if (!(b.subjects ?? []).some((s: Obj) => appliesTo(user, s, bindingNs))) continue;
      const role = this.#role(b.roleRef.kind, b.roleRef.name, bindingNs);
      if ((role?.rules ?? []).some((r: Obj) => ruleAllows(r, group, name))) return true;
    }
    return false;
  }

  /** isAuthorizedForPolicy: the ServiceAccount first, then the user; policy group, then extensions. */
  isAuthorized(user: ReferenceUser, serviceAccount: string | undefined, namespace: string, name: string): boolean {
    const sa = serviceAccount
      ? { username: `${SA_PREFIX}${namespace}:${serviceAccount}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`] }
      : undefined;
    return [sa, user].some((info) => ["policy", "extensions"].some((g) => this.authorize(info, namespace, g, name)));
  }

  /** PSP's decision for a Pod (or workload) created by `user` in `namespace`. */
  decide(object: unknown, user: ReferenceUser, serviceAccount: string | undefined, namespace: string): EvaluationResult {
    const candidates = this.psps.filter((p) => this.isAuthorized(user, serviceAccount, namespace, p.name));
    return evaluate(object, candidates, { operation: "CREATE" });
  }
}
