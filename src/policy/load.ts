// Policy files → validated, fully defaulted policies. A file holds one or more YAML documents (or one
// JSON document); each is a PodSecurityPolicy, a SecureDefaultsPolicy, or a List of them. Every problem
// is reported with its file, document, policy name and field path; all problems of all files are
// collected before throwing, so one run shows everything to fix.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Policy } from "../engine/types.js";
import { annotationProfiles, forbiddenAnnotations, fromPodSecurityPolicy, fromSecureDefaultsPolicy, PSP_PROFILE_PATHS, SDP_PROFILE_PATHS } from "./defaults.js";
import { formatIssue, fromZod, inDocumentOrder, issue, locationText, PolicyLoadError, type IssueLocation, type PolicyIssue } from "./issues.js";
import { closest, pspDocument, PSP_API_VERSIONS, sdpDocument, SDP_API_VERSION, SDP_ONLY_FIELDS, show, type PspDocument, type SdpDocument } from "./schema.js";
import { isRbacDocument, rbacReadDetail, type RbacDocument } from "./rbac-documents.js";
import { applyRbacGrants, type GrantInput } from "./rbac-grants.js";
import { policyWarnings } from "./warnings.js";
import { isObject } from "../engine/json.js";

export { PolicyLoadError, formatIssue, type PolicyIssue } from "./issues.js";

export interface LoadedPolicies {
  policies: Policy[];
  /** One line per warning, located like errors: `file: document N (policy "x"): field: detail`. */
  warnings: string[];
}

const POLICY_KINDS = ["PodSecurityPolicy", "SecureDefaultsPolicy"];
const LIST_KINDS = ["List", "PodSecurityPolicyList"];
const EXPECTED_KINDS = `PodSecurityPolicy (${PSP_API_VERSIONS.join(" or ")}) or SecureDefaultsPolicy (${SDP_API_VERSION})`;

interface Located {
  policy: Policy;
  at: IssueLocation;
}

interface Parsed {
  policies: Located[];
  issues: PolicyIssue[];
  warnings: PolicyIssue[];
  /** RBAC documents of the file being parsed (see rbac-documents.ts). */
  rbac: RbacDocument[];
  /** The raw PodSecurityPolicies and RBAC documents, from which rbac-grants.ts derives who may use each PSP. */
  grants: GrantInput;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? "a list" : value === null ? "null" : `${typeof value} ${show(value)}`;
}

/** Whether the document is a kind we load with its apiVersion; otherwise an issue says what is expected. */
function checkKind(doc: Record<string, unknown>, at: IssueLocation, out: Parsed): boolean {
  const { kind, apiVersion } = doc;
  if (kind === undefined || kind === null) {
    out.issues.push(issue(at, ["kind"], `is required: ${EXPECTED_KINDS}`));
    return false;
  }
  if (typeof kind !== "string" || ![...POLICY_KINDS, ...LIST_KINDS].includes(kind)) {
    const near = typeof kind === "string" ? closest(kind, POLICY_KINDS) : undefined;
    out.issues.push(issue(at, ["kind"], `unsupported kind ${show(kind)}${near ? ` (did you mean ${near}?)` : ""}; expected ${EXPECTED_KINDS}`));
    return false;
  }
  const versions: readonly string[] = kind === "SecureDefaultsPolicy" ? [SDP_API_VERSION] : kind === "List" ? ["v1"] : PSP_API_VERSIONS;
  if (typeof apiVersion !== "string" || !versions.includes(apiVersion)) {
    out.issues.push(issue(at, ["apiVersion"], `${kind} needs apiVersion ${versions.join(" or ")} (got ${apiVersion === undefined ? "nothing" : show(apiVersion)})`));
    return false;
  }
  return true;
}

function sdpOnlyHint(path: readonly (string | number)[], key: string): string | undefined {
  return path.length === 1 && path[0] === "spec" && SDP_ONLY_FIELDS.includes(key)
    ? `only a SecureDefaultsPolicy (${SDP_API_VERSION}) has it${
        key === "seccomp" || key === "appArmor"
          ? "; a PodSecurityPolicy uses annotations"
          : key === "subjects"
            ? "; a PodSecurityPolicy is granted through RBAC: convert it with `secure-defaults import`"
            : ""
      }`
    : undefined;
}

function parseDocument(value: unknown, at: IssueLocation, source: string, out: Parsed, inList = false): void {
  if (!isObject(value)) {
    out.issues.push(issue(at, [], `must be a mapping with apiVersion, kind, metadata and spec (got ${describe(value)})`));
    return;
  }
  if (isRbacDocument(value)) {
    const name = isObject(value.metadata) && typeof value.metadata.name === "string" ? value.metadata.name : undefined;
    out.rbac.push({ document: at.document ?? 1, item: at.item, kind: value.kind as string, name });
    out.grants.rbac.push({ source: locationText(at), object: value });
    return;
  }
  if (!checkKind(value, at, out)) return;
  if (LIST_KINDS.includes(value.kind as string)) {
    if (inList) out.issues.push(issue(at, ["kind"], "a List may not contain another List"));
    else if (!Array.isArray(value.items)) out.issues.push(issue(at, ["items"], `must be a list (got ${describe(value.items)})`));
    else value.items.forEach((item, k) => parseDocument(item, { ...at, item: `items[${k}]` }, `${source}.items[${k}]`, out, true));
    return;
  }
  const name = isObject(value.metadata) && typeof value.metadata.name === "string" ? value.metadata.name : undefined;
  const located: IssueLocation = name === undefined ? at : { ...at, policy: name };

  const isPsp = value.kind === "PodSecurityPolicy";
  const issues: PolicyIssue[] = [];
  const profiles = isPsp ? annotationProfiles(value.metadata, located, issues) : undefined;
  if (!isPsp) issues.push(...forbiddenAnnotations(value.metadata, located));
  const schema = isPsp ? pspDocument : sdpDocument;
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) issues.push(...fromZod(result.error.issues, { at: located, schema, unknownFieldHint: isPsp ? sdpOnlyHint : undefined }));
  if (issues.length > 0 || !result.success) {
    out.issues.push(...inDocumentOrder(issues, value));
    return;
  }
  const policy = profiles
    ? fromPodSecurityPolicy(result.data as PspDocument, source, profiles)
    : fromSecureDefaultsPolicy(result.data as SdpDocument, source);
  out.policies.push({ policy, at: located });
  if (isPsp) out.grants.psps.push({ source: locationText(at), object: value });
  out.warnings.push(...inDocumentOrder(policyWarnings(policy, located, isPsp ? PSP_PROFILE_PATHS : SDP_PROFILE_PATHS), value));
}

/**
 * The documents of one file's text: JSON for `.json` sources, otherwise (multi-document) YAML. Documents
 * are numbered from 1, as editors number them, in messages and in each policy's `source` (`file#1`).
 */
function parseText(text: string, file: string): Parsed {
  const out: Parsed = { policies: [], issues: [], warnings: [], rbac: [], grants: { psps: [], rbac: [] } };
  if (file.endsWith(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      out.issues.push(issue({ file, document: 1 }, [], `invalid JSON: ${(error as Error).message}`));
      return out;
    }
    parseDocument(value, { file, document: 1 }, `${file}#1`, out);
  } else {
    parseAllDocuments(text).forEach((doc, index) => {
      const document = index + 1;
      const at = { file, document };
      if (doc.errors.length > 0) {
        for (const error of doc.errors) out.issues.push(issue(at, [], `YAML syntax error: ${error.message.split("\n")[0].replace(/:$/, "")}`));
        return;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return; // an empty document
      parseDocument(value, at, `${file}#${document}`, out);
    });
  }
  if (out.rbac.length > 0) out.warnings.push(issue({ file }, [], rbacReadDetail(out.rbac)));
  return out;
}

/** Two policies with one name would make selection ambiguous: an error naming both places. */
function duplicateNames(policies: readonly Located[]): PolicyIssue[] {
  const first = new Map<string, IssueLocation>();
  const issues: PolicyIssue[] = [];
  for (const { policy, at } of policies) {
    const earlier = first.get(policy.name);
    if (earlier) {
      const where = locationText({ ...earlier, policy: undefined });
      issues.push(issue(at, ["metadata", "name"], `duplicate policy name ${show(policy.name)}: also defined in ${where}`));
    } else first.set(policy.name, at);
  }
  return issues;
}

function finish(parsed: Parsed): LoadedPolicies {
  const issues = [...parsed.issues, ...duplicateNames(parsed.policies)];
  if (issues.length > 0) throw new PolicyLoadError(issues);
  const granted = applyRbacGrants(parsed.policies, parsed.grants);
  if (granted.issues.length > 0) throw new PolicyLoadError(granted.issues);
  return { policies: granted.policies.map((p) => p.policy), warnings: [...parsed.warnings, ...granted.warnings].map(formatIssue) };
}

/**
 * Parses and validates the policies in one file's text. `source` names the file in messages and in
 * each policy's `source` (`<source>#<document>`); a source ending in `.json` is parsed as JSON.
 * Throws PolicyLoadError listing every problem.
 */
export function parsePolicies(text: string, source: string): LoadedPolicies {
  return finish(parseText(text, source));
}

/** A path's kind, or an issue naming it when it cannot be read. */
function kindOf(path: string, issues: PolicyIssue[]): "file" | "folder" | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : "file";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    issues.push(issue({ file: path }, [], code === "ENOENT" ? "no such file or directory" : `cannot read: ${(error as Error).message}`));
    return undefined;
  }
}

/**
 * The policy files a path stands for: the file itself, or a folder's *.yaml, *.yml, *.json files
 * (sorted, not recursive). Symbolic links are followed: a mounted ConfigMap's files are links into
 * its `..data` folder.
 */
function filesOf(path: string, issues: PolicyIssue[]): string[] {
  const kind = kindOf(path, issues);
  if (kind !== "folder") return kind === "file" ? [path] : [];
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (error) {
    issues.push(issue({ file: path }, [], `cannot read: ${(error as Error).message}`));
    return [];
  }
  return names
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => kindOf(file, issues) === "file");
}

/**
 * Loads every policy under `paths` (files or folders). Policy names must be unique across all files.
 * No files, or files without policies, give an empty set. Throws PolicyLoadError listing every problem.
 */
export function loadPolicies(paths: readonly string[]): LoadedPolicies {
  const all: Parsed = { policies: [], issues: [], warnings: [], rbac: [], grants: { psps: [], rbac: [] } };
  const seen = new Set<string>();
  for (const path of paths) {
    for (const file of filesOf(path, all.issues)) {
      if (seen.has(resolve(file))) continue;
      seen.add(resolve(file));
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        all.issues.push(issue({ file }, [], `cannot read: ${(error as Error).message}`));
        continue;
      }
      const parsed = parseText(text, file);
      all.policies.push(...parsed.policies);
      all.issues.push(...parsed.issues);
      all.warnings.push(...parsed.warnings);
      all.rbac.push(...parsed.rbac);
      all.grants.psps.push(...parsed.grants.psps);
      all.grants.rbac.push(...parsed.grants.rbac);
    }
  }
  return finish(all);
}
