// RBAC objects as `secure-defaults import` reads them: ClusterRoles, Roles, ClusterRoleBindings and
// RoleBindings (rbac.authorization.k8s.io/v1), checked for the fields that decide who may `use` a
// PodSecurityPolicy, and the RBAC rule match for that one request (rbac/v1 RuleAllows for verb `use` on
// `podsecuritypolicies` in API group `policy` or `extensions`, PSP's authorizedForPolicy). Pure.
import { z } from "zod";
import { fromZod, type PolicyIssue } from "./issues.js";
import { RBAC_API_GROUP } from "./schema.js";

export const RBAC_API_VERSIONS = [`${RBAC_API_GROUP}/v1`, `${RBAC_API_GROUP}/v1beta1`] as const;
export const ROLE_KINDS = ["ClusterRole", "Role"] as const;
export const BINDING_KINDS = ["ClusterRoleBinding", "RoleBinding"] as const;

/** The API groups PSP asked about: `policy`, and `extensions` for backward compatibility. */
const PSP_API_GROUPS = ["policy", "extensions"];
const PSP_RESOURCE = "podsecuritypolicies";
const USE_VERB = "use";
const ALL = "*";

const strings = z.array(z.string()).nullish();

const rule = z.looseObject({
  verbs: z.array(z.string()),
  apiGroups: strings,
  resources: strings,
  resourceNames: strings,
  nonResourceURLs: strings,
});

const name = z.string().min(1, { error: "is required" });

const roleDocument = (namespaced: boolean) =>
  z.looseObject({
    metadata: z.looseObject({ name, namespace: namespaced ? name : z.string().nullish() }),
    rules: z.array(rule).nullish(),
    aggregationRule: z.unknown().optional(),
  });

const subject = z.looseObject({
  kind: z.enum(["User", "Group", "ServiceAccount"], { error: (i) => `unknown subject kind ${JSON.stringify(i.input)}; must be one of: User, Group, ServiceAccount` }),
  name,
  namespace: z.string().nullish(),
  apiGroup: z.string().nullish(),
});

const bindingDocument = (namespaced: boolean) =>
  z
    .looseObject({
      metadata: z.looseObject({ name, namespace: namespaced ? name : z.string().nullish() }),
      roleRef: z.looseObject({
        kind: z.enum(namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"], {
          error: (i) => `must be ${namespaced ? "Role or ClusterRole" : "ClusterRole (a ClusterRoleBinding cannot refer to a Role)"} (got ${JSON.stringify(i.input)})`,
        }),
        name,
        apiGroup: z.string().nullish(),
      }),
      subjects: z.array(subject).nullish(),
    })
    .superRefine((b, ctx) => {
      if (namespaced) return;
      (b.subjects ?? []).forEach((s, i) => {
        if (s.kind === "ServiceAccount" && !s.namespace) {
          ctx.addIssue({ code: "custom", path: ["subjects", i, "namespace"], message: "is required for a ServiceAccount in a ClusterRoleBinding" });
        }
      });
    });

export type RbacRule = z.infer<typeof rule>;
export type RbacSubject = z.infer<typeof subject>;

export interface Role {
  kind: (typeof ROLE_KINDS)[number];
  name: string;
  /** Roles only. */
  namespace?: string;
  rules: RbacRule[];
  aggregated: boolean;
}

export interface Binding {
  kind: (typeof BINDING_KINDS)[number];
  name: string;
  /** RoleBindings only: the namespace it grants in. */
  namespace?: string;
  roleRef: { kind: "Role" | "ClusterRole"; name: string };
  subjects: RbacSubject[];
}

/** `ns/name` for namespaced objects, `name` otherwise. */
export function qualifiedName(o: { namespace?: string; name: string }): string {
  return o.namespace ? `${o.namespace}/${o.name}` : o.name;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: PolicyIssue[] };

/** `doc` checked against `schema` (issues located at `source`), then shaped by `build`. */
function parseDocument<S extends z.ZodType, T>(schema: S, doc: unknown, source: string, build: (data: z.output<S>) => T): Parsed<T> {
  const result = schema.safeParse(doc, { reportInput: true });
  if (!result.success) return { ok: false, issues: fromZod(result.error.issues, { at: { file: source }, schema }) };
  return { ok: true, value: build(result.data) };
}

/** A ClusterRole or Role document, or the issues with it (located at `source`). */
export function parseRole(kind: Role["kind"], doc: unknown, source: string): Parsed<Role> {
  return parseDocument(roleDocument(kind === "Role"), doc, source, ({ metadata, rules, aggregationRule }) => ({
    kind,
    name: metadata.name,
    ...(kind === "Role" ? { namespace: metadata.namespace as string } : {}),
    rules: rules ?? [],
    aggregated: aggregationRule !== undefined && aggregationRule !== null,
  }));
}

/** A ClusterRoleBinding or RoleBinding document, or the issues with it. */
export function parseBinding(kind: Binding["kind"], doc: unknown, source: string): Parsed<Binding> {
  return parseDocument(bindingDocument(kind === "RoleBinding"), doc, source, ({ metadata, roleRef, subjects }) => ({
    kind,
    name: metadata.name,
    ...(kind === "RoleBinding" ? { namespace: metadata.namespace as string } : {}),
    roleRef: { kind: roleRef.kind, name: roleRef.name },
    subjects: subjects ?? [],
  }));
}

const has = (list: readonly string[] | null | undefined, value: string) => (list ?? []).some((v) => v === ALL || v === value);

/**
 * Which PodSecurityPolicies a rule lets its subjects `use`: "all", the names in `resourceNames`, or none.
 * RBAC: the verb is `use` or `*`, the API group `policy`, `extensions` or `*`, the resource
 * `podsecuritypolicies` or `*`, and `resourceNames` empty (any name) or naming the policy.
 */
export function ruleGrantsUse(r: RbacRule): "all" | string[] {
  if (!has(r.verbs, USE_VERB)) return [];
  if (!PSP_API_GROUPS.some((g) => has(r.apiGroups, g))) return [];
  if (!has(r.resources, PSP_RESOURCE)) return [];
  return r.resourceNames?.length ? [...r.resourceNames] : "all";
}

/** Whether a role's rules let its subjects `use` the PodSecurityPolicy `policyName`. */
export function roleGrantsUse(role: Role, policyName: string): boolean {
  return role.rules.some((r) => {
    const granted = ruleGrantsUse(r);
    return granted === "all" || granted.includes(policyName);
  });
}
