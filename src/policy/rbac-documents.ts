// RBAC documents in a policy file. Charts ship their PodSecurityPolicies in one file with the ClusterRole
// that grants `use` of them and the (Cluster)RoleBinding that hands that role out (EKS's eks.privileged,
// flannel, longhorn, ...). Until policies can be bound to users, groups and service accounts, such
// documents are skipped, with one warning line per file, so that the file's PodSecurityPolicies load as
// shipped.

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

/** The one warning for a file's skipped RBAC documents, e.g. `RBAC documents skipped: document 2 (ClusterRole "x"), ...`. */
export function skippedRbacDetail(docs: readonly RbacDocument[]): string {
  const where = docs.map((d) => `document ${d.document}${d.item ? `, ${d.item}` : ""} (${d.kind}${d.name === undefined ? "" : ` ${JSON.stringify(d.name)}`})`);
  const noun = docs.length === 1 ? "RBAC document" : `${docs.length} RBAC documents`;
  return `${noun} skipped: ${where.join(", ")}; policies are not bound to users, groups or service accounts yet, so only the file's policies load`;
}
