// Problems found in policy files, located by file, document, policy name and field path, and the
// translation of zod's issues into messages for the person editing the file.
import type { z } from "zod";
import { closest, show } from "./schema.js";

export type PathSegment = string | number;

/** Where a problem is: the document is numbered from 1 (as editors number them), as in a policy's `source` (`file#1`). */
export interface IssueLocation {
  file: string;
  document?: number;
  /** Inside a List document: the item, e.g. `items[2]`. */
  item?: string;
  policy?: string;
}

export interface PolicyIssue extends IssueLocation {
  /** Field path, e.g. `spec.runAsUser.ranges[0].min`; empty for the document as a whole. */
  field: string;
  /** The same path as segments. */
  path: readonly PathSegment[];
  /** What is wrong, without the location. */
  detail: string;
  /** The text after the location: `<field>: <detail>`, or `unknown field <field> (...)`. */
  message: string;
}

/** Kubernetes-style field path: `spec.hostPorts[0].min`, `metadata.annotations[a.b/c]`. */
export function fieldPath(path: readonly PathSegment[]): string {
  return path
    .map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${s}]`))
    .join("");
}

export function issue(at: IssueLocation, path: readonly PathSegment[], detail: string): PolicyIssue {
  const field = fieldPath(path);
  return { ...at, field, path, detail, message: field ? `${field}: ${detail}` : detail };
}

function unknownField(at: IssueLocation, path: readonly PathSegment[], hint: string): PolicyIssue {
  const field = fieldPath(path);
  return { ...at, field, path, detail: `unknown field${hint}`, message: `unknown field ${field}${hint}` };
}

export function locationText(at: IssueLocation): string {
  let text = at.file;
  if (at.document !== undefined) text += `: document ${at.document}`;
  if (at.item !== undefined) text += `, ${at.item}`;
  if (at.policy !== undefined) text += ` (policy ${show(at.policy)})`;
  return text;
}

export function formatIssue(i: PolicyIssue): string {
  return `${locationText(i)}: ${i.message}`;
}

/** One or more invalid policy files; `message` has one line per problem. */
export class PolicyLoadError extends Error {
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "PolicyLoadError";
    this.issues = issues;
  }

  /** The first problem's file, document, field and detail. */
  get file(): string {
    return this.issues[0]?.file ?? "";
  }
  get document(): number | undefined {
    return this.issues[0]?.document;
  }
  get field(): string {
    return this.issues[0]?.field ?? "";
  }
  get detail(): string {
    return this.issues[0]?.detail ?? "";
  }
}

/** Where a path points in the raw document, as key/item indexes (absent fields sort last). */
function position(document: unknown, path: readonly PathSegment[]): number[] {
  const indexes: number[] = [];
  let node = document;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === "number") indexes.push(segment);
    else if (typeof node === "object" && node !== null) {
      const i = Object.keys(node).indexOf(String(segment));
      indexes.push(i < 0 ? Infinity : i);
    } else break;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return indexes;
}

/** Issues sorted as their fields appear in the document, so the list reads top to bottom. */
export function inDocumentOrder(issues: readonly PolicyIssue[], document: unknown): PolicyIssue[] {
  const keyed = issues.map((i) => ({ i, at: position(document, i.path) }));
  const compare = (a: number[], b: number[]): number => {
    for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
    return a.length - b.length;
  };
  return keyed.sort((a, b) => compare(a.at, b.at)).map((k) => k.i);
}

// ------------------------------------------------------------------------------------------------
// zod issues → PolicyIssue

/** The part of zod's internal schema definition we walk to find the field names of a nested object. */
interface SchemaDef {
  type: string;
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  innerType?: SchemaNode;
  valueType?: SchemaNode;
  in?: SchemaNode;
}
interface SchemaNode {
  _zod: { def: SchemaDef };
}

/** The field names of the object schema found at `path` inside `schema`, if any. */
function fieldsAt(schema: SchemaNode, path: readonly PathSegment[]): string[] {
  let node: SchemaNode | undefined = schema;
  let i = 0;
  while (node) {
    const def: SchemaDef = node._zod.def;
    const next: SchemaNode | undefined = def.innerType ?? def.in;
    if (next) node = next;
    else if (i === path.length) return def.shape ? Object.keys(def.shape) : [];
    else {
      const child: SchemaNode | undefined = def.shape?.[String(path[i])] ?? def.element ?? def.valueType;
      if (!child) return [];
      node = child;
      i++;
    }
  }
  return [];
}

function expected(what: string): string {
  const names: Record<string, string> = {
    boolean: "true or false",
    string: "a string",
    number: "a number",
    int: "an integer",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
  };
  return names[what] ?? what;
}

function got(input: unknown): string {
  if (Array.isArray(input)) return "a list";
  if (input === null) return "null";
  if (typeof input === "object") return "a mapping";
  return `${typeof input} ${show(input)}`;
}

export interface ZodIssueContext {
  at: IssueLocation;
  /** The schema that was parsed, to suggest field names. */
  schema: z.ZodType;
  /** Path of the parsed value inside the document, e.g. [] or ["spec"]. */
  base?: readonly PathSegment[];
  /** Extra advice for an unknown field, by name (e.g. a field that exists only in the other kind). */
  unknownFieldHint?: (path: readonly PathSegment[], key: string) => string | undefined;
}

export function fromZod(issues: readonly z.core.$ZodIssue[], ctx: ZodIssueContext): PolicyIssue[] {
  const base = ctx.base ?? [];
  return issues.flatMap((zi): PolicyIssue[] => {
    const path = [...base, ...(zi.path as PathSegment[])];
    switch (zi.code) {
      case "unrecognized_keys": {
        const known = fieldsAt(ctx.schema as unknown as SchemaNode, zi.path as PathSegment[]);
        return zi.keys.map((key) => {
          const special = ctx.unknownFieldHint?.(path, key);
          const near = closest(key, known, true);
          const hint = special ? ` (${special})` : near ? ` (did you mean ${near}?)` : "";
          return unknownField(ctx.at, [...path, key], hint);
        });
      }
      case "invalid_type": {
        const input = (zi as { input?: unknown }).input;
        if (input === undefined || (input === null && zi.expected !== "null")) return [issue(ctx.at, path, "is required")];
        return [issue(ctx.at, path, `must be ${expected(zi.expected)} (got ${got(input)})`)];
      }
      default:
        return [issue(ctx.at, path, zi.message)];
    }
  });
}
