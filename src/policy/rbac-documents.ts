// RBAC documents in a policy file. Charts ship their PodSecurityPolicies in one file with the ClusterRole
// that grants `use` of them and the (Cluster)RoleBinding that hands that role out (EKS's eks.privileged,
// flannel, longhorn, ...). Such documents are read, with one line per file saying so: who may use each
// loaded PodSecurityPolicy is then derived from them as `secure-defaults import` does (rbac-grants.ts).

export const RBAC_API_GROUP = "rbac.authorization.k8s.io";
export const RBAC_KINDS = ["ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"] as const;

/** An RBAC document seen in a policy file: where it is, its kind and name. */
export interface RbacDocument {
  document: number;
  /** Inside a List document: the item, e.g. `items[2]`. */
  item?: string;
  kind: string;
  name?: string;
}

/** Whether a document is a Role, ClusterRole, RoleBinding or ClusterRoleBinding of the RBAC API group. */
export function isRbacDocument(doc: Record<string, unknown>): boolean {
  return (
    typeof doc.kind === "string" &&
    (RBAC_KINDS as readonly string[]).includes(doc.kind) &&
    typeof doc.apiVersion === "string" &&
    doc.apiVersion.startsWith(`${RBAC_API_GROUP}/`)
  );
}

/** The one line for a file's RBAC documents, e.g. `2 RBAC documents read: document 2 (ClusterRole "x"), ...`. */
export function rbacReadDetail(docs: readonly RbacDocument[]): string {
  const where = docs.map((d) => `document ${d.document}${d.item ? `, ${d.item}` : ""} (${d.kind}${d.name === undefined ? "" : ` ${JSON.stringify(d.name)}`})`);
  const noun = docs.length === 1 ? "RBAC document read" : `${docs.length} RBAC documents read`;
  return `${noun}: ${where.join(", ")}; the loaded PodSecurityPolicies may be used only by whom these grant use (as secure-defaults import decides)`;
}
