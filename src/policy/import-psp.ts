// PodSecurityPolicies and the RBAC that let subjects `use` them → SecureDefaultsPolicies with `subjects`,
// deciding as PSP decided (see docs/policy-reference.md "Importing"). The spec is carried over as it is
// and checked as the loader checks a PodSecurityPolicy; the profile annotations become the `seccomp` and
// `appArmor` fields; each binding that grants `use` adds its subjects, limited to its namespace for a
// RoleBinding. Pure: objects in, documents and notes out.
import { stringify } from "yaml";
import { annotationProfiles, type Profiles } from "./defaults.js";
import { fromZod, inDocumentOrder, type PolicyIssue } from "./issues.js";
import { parseBinding, parseRole, qualifiedName, RBAC_API_VERSIONS, roleGrantsUse, type Binding, type Role } from "./rbac.js";
import { pspDocument, PSP_API_VERSIONS, SDP_API_VERSION, show } from "./schema.js";
import type { PolicySubject } from "../engine/types.js";
import { isObject, type Json } from "../engine/json.js";

/** One object of the input and where it came from, e.g. `cluster.yaml: document 1 items[3]`. */
export interface ImportObject {
  source: string;
  object: unknown;
}

export interface ImportedPolicy {
  name: string;
  /** Where the PodSecurityPolicy was. */
  source: string;
  /** The bindings that grant `use` of it, e.g. `ClusterRoleBinding "psp-restricted"`. */
  grantedBy: string[];
  /** The SecureDefaultsPolicy document. */
  document: SecureDefaultsPolicyDocument;
}

export interface SecureDefaultsPolicyDocument {
  apiVersion: typeof SDP_API_VERSION;
  kind: "SecureDefaultsPolicy";
  metadata: { name: string };
  spec: Record<string, unknown> & { subjects: PolicySubject[] };
}

export interface ImportResult {
  policies: ImportedPolicy[];
  /** Lines for stderr: skipped kinds, aggregated ClusterRoles, bindings that grant nothing. */
  notes: string[];
}

/** Bad input: one line per problem, each naming the object and the field. */
export class ImportError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ImportError";
  }
}

const IMPORTED_KINDS = "PodSecurityPolicies, ClusterRoles, Roles, ClusterRoleBindings and RoleBindings";

function metadataOf(object: Json): { name?: string; namespace?: string } {
  const m = isObject(object.metadata) ? object.metadata : {};
  return { name: typeof m.name === "string" ? m.name : undefined, namespace: typeof m.namespace === "string" && m.namespace ? m.namespace : undefined };
}

/** `cluster.yaml: document 1 items[3] (RoleBinding "ingress/psp")`. */
function where(source: string, kind: string, object: Json): string {
  const { name, namespace } = metadataOf(object);
  return name ? `${source} (${kind} ${show(namespace ? `${namespace}/${name}` : name)})` : `${source} (${kind})`;
}

function located(at: string, issues: readonly PolicyIssue[]): string[] {
  return issues.map((i) => `${at}: ${i.message}`);
}

interface Psp {
  name: string;
  source: string;
  spec: Json;
  profiles: Profiles;
}

function readPsp(object: Json, source: string, problems: string[]): Psp | undefined {
  const at = where(source, "PodSecurityPolicy", object);
  const issues: PolicyIssue[] = [];
  const profiles = annotationProfiles(object.metadata, { file: source }, issues);
  const result = pspDocument.safeParse(object, { reportInput: true });
  if (!result.success) issues.push(...fromZod(result.error.issues, { at: { file: source }, schema: pspDocument }));
  if (issues.length > 0 || !result.success) {
    problems.push(...located(at, inDocumentOrder(issues, object)));
    return undefined;
  }
  return { name: result.data.metadata.name, source, spec: object.spec as Json, profiles };
}

/** The seccomp / AppArmor block of an imported policy, or undefined when the PSP had neither annotation. */
function profileField(p: Profiles["seccomp"]): Json | undefined {
  if (p.defaultProfile === undefined && p.allowedProfiles === undefined) return undefined;
  return {
    ...(p.defaultProfile !== undefined ? { defaultProfile: p.defaultProfile } : {}),
    ...(p.allowedProfiles !== undefined ? { allowedProfiles: p.allowedProfiles.filter((x) => x !== "") } : {}),
  };
}

/** The spec as the PSP wrote it (null fields dropped: they mean "unset"), then the profile blocks. */
function importedSpec(psp: Psp, subjects: PolicySubject[]): SecureDefaultsPolicyDocument["spec"] {
  const spec: Json = Object.fromEntries(Object.entries(psp.spec).filter(([, v]) => v !== null && v !== undefined));
  const seccomp = profileField(psp.profiles.seccomp);
  const appArmor = profileField(psp.profiles.appArmor);
  return { ...spec, ...(seccomp ? { seccomp } : {}), ...(appArmor ? { appArmor } : {}), subjects };
}

const KIND_ORDER: Record<PolicySubject["kind"], number> = { User: 0, Group: 1, ServiceAccount: 2 };

/** One subject per (kind, namespace, name): granted everywhere if any binding grants it everywhere. */
function mergeSubjects(grants: readonly PolicySubject[]): PolicySubject[] {
  const byKey = new Map<string, PolicySubject>();
  for (const g of grants) {
    const key = `${g.kind}\0${g.namespace ?? ""}\0${g.name}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...g, ...(g.inNamespaces ? { inNamespaces: [...g.inNamespaces] } : {}) });
    else if (!seen.inNamespaces || !g.inNamespaces) delete seen.inNamespaces;
    else seen.inNamespaces = [...new Set([...seen.inNamespaces, ...g.inNamespaces])];
  }
  const subjects = [...byKey.values()];
  for (const s of subjects) s.inNamespaces?.sort();
  const text = (s?: string) => s ?? "";
  return subjects.sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || text(a.namespace).localeCompare(text(b.namespace)) || a.name.localeCompare(b.name),
  );
}

/**
 * The subjects a binding grants, as policy subjects: a ServiceAccount without a namespace is in the
 * RoleBinding's namespace (RBAC's rule), and a RoleBinding grants only in its own namespace.
 */
function bindingSubjects(binding: Binding): PolicySubject[] {
  const inNamespaces = binding.namespace ? { inNamespaces: [binding.namespace] } : {};
  return binding.subjects.map((s) =>
    s.kind === "ServiceAccount"
      ? { kind: s.kind, name: s.name, namespace: s.namespace || binding.namespace, ...inNamespaces }
      : { kind: s.kind, name: s.name, ...inNamespaces },
  );
}

function describeBinding(b: Binding): string {
  return `${b.kind} ${show(qualifiedName(b))}`;
}

/**
 * Converts the PodSecurityPolicies in `objects` and derives their subjects from the RBAC objects.
 * Throws ImportError listing every problem of the input.
 */
export function importPodSecurityPolicies(objects: readonly ImportObject[]): ImportResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const psps: Psp[] = [];
  const roles = new Map<string, Role>();
  const bindings: { binding: Binding; at: string }[] = [];
  const firstPsp = new Map<string, string>();

  for (const { source, object } of objects) {
    if (!isObject(object)) {
      problems.push(`${source}: must be a Kubernetes object (a mapping with apiVersion and kind)`);
      continue;
    }
    const { kind, apiVersion } = object;
    if (typeof kind !== "string" || kind === "") {
      problems.push(`${source}: kind: is required`);
      continue;
    }
    const at = where(source, kind, object);
    if (kind === "PodSecurityPolicy") {
      if (!(PSP_API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
        problems.push(`${at}: apiVersion: PodSecurityPolicy needs apiVersion ${PSP_API_VERSIONS.join(" or ")} (got ${show(apiVersion)})`);
        continue;
      }
      const psp = readPsp(object, source, problems);
      if (!psp) continue;
      const earlier = firstPsp.get(psp.name);
      if (earlier) problems.push(`${at}: metadata.name: duplicate PodSecurityPolicy name ${show(psp.name)}: also defined in ${earlier}`);
      else {
        firstPsp.set(psp.name, source);
        psps.push(psp);
      }
      continue;
    }
    const isRole = kind === "ClusterRole" || kind === "Role";
    const isBinding = kind === "ClusterRoleBinding" || kind === "RoleBinding";
    if (!isRole && !isBinding) {
      notes.push(`skipped ${at}: import reads only ${IMPORTED_KINDS}`);
      continue;
    }
    if (!(RBAC_API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
      problems.push(`${at}: apiVersion: ${kind} needs apiVersion ${RBAC_API_VERSIONS.join(" or ")} (got ${show(apiVersion)})`);
      continue;
    }
    if (isRole) {
      const parsed = parseRole(kind, object, source);
      if (!parsed.ok) problems.push(...located(at, parsed.issues));
      else {
        roles.set(`${kind}\0${qualifiedName(parsed.value)}`, parsed.value);
        if (parsed.value.aggregated) {
          notes.push(`${at}: aggregationRule is not followed: only the rules listed in this ClusterRole count`);
        }
      }
    } else {
      const parsed = parseBinding(kind, object, source);
      if (!parsed.ok) problems.push(...located(at, parsed.issues));
      else bindings.push({ binding: parsed.value, at });
    }
  }
  if (problems.length === 0 && psps.length === 0) problems.push(`no PodSecurityPolicy in the input: give the output of kubectl get psp,clusterroles,roles,clusterrolebindings,rolebindings -A -o yaml`);
  if (problems.length > 0) throw new ImportError(problems);

  const grants = new Map<string, PolicySubject[]>(psps.map((p) => [p.name, []]));
  const grantedBy = new Map<string, string[]>(psps.map((p) => [p.name, []]));
  for (const { binding, at } of bindings) {
    const ref = binding.roleRef;
    const roleKey = ref.kind === "Role" ? `Role\0${binding.namespace}/${ref.name}` : `ClusterRole\0${ref.name}`;
    const role = roles.get(roleKey);
    if (!role) {
      const refName = ref.kind === "Role" ? `${binding.namespace}/${ref.name}` : ref.name;
      notes.push(`${at}: roleRef: ${ref.kind} ${show(refName)} is not in the input, so this binding grants nothing`);
      continue;
    }
    const subjects = bindingSubjects(binding);
    for (const psp of psps) {
      if (!roleGrantsUse(role, psp.name) || subjects.length === 0) continue;
      grants.get(psp.name)!.push(...subjects);
      grantedBy.get(psp.name)!.push(describeBinding(binding));
    }
  }

  const policies = psps.map((psp): ImportedPolicy => ({
    name: psp.name,
    source: psp.source,
    grantedBy: grantedBy.get(psp.name)!,
    document: {
      apiVersion: SDP_API_VERSION,
      kind: "SecureDefaultsPolicy",
      metadata: { name: psp.name },
      spec: importedSpec(psp, mergeSubjects(grants.get(psp.name)!)),
    },
  }));
  return { policies, notes };
}

/** The comment lines above an imported policy: where it came from, and who could use it. */
export function headerComment(policy: ImportedPolicy): string {
  const lines = [`Imported by secure-defaults import from PodSecurityPolicy ${show(policy.name)} (${policy.source}).`];
  if (policy.grantedBy.length > 0) lines.push(`Subjects from: ${policy.grantedBy.join(", ")}.`);
  else lines.push("No RoleBinding or ClusterRoleBinding in the input grants use of it: nobody could use it (subjects: []).");
  return lines.map((l) => `# ${l}\n`).join("");
}

/** One imported policy as YAML, with its header comment. */
export function renderImported(policy: ImportedPolicy): string {
  return headerComment(policy) + stringify(policy.document, { lineWidth: 0 });
}
