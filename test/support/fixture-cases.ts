// Loads engine fixture cases: YAML files under test/fixtures/engine/<area>/, one case per document.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Operation, Policy } from "../../src/engine/types.js";
import { loadPolicies, parsePolicies } from "../../src/policy/load.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const ENGINE_FIXTURES = join(REPO_ROOT, "test", "fixtures", "engine");

export interface ExpectedViolation {
  policy: string;
  path: string;
  field: string;
  message: string;
}

export interface FixtureCase {
  /** `area/file.yaml#doc`. */
  id: string;
  description: string;
  policies: Policy[];
  operation: Operation;
  /** The fixture names the ephemeral containers to judge; the engine takes their indexes (see ephemeralIndexes). */
  ephemeralContainers?: number[];
  input: unknown;
  expect: {
    allowed: boolean;
    policy?: string;
    object?: unknown;
    reasons?: { path: string; field: string; message: string }[];
    violations?: ExpectedViolation[];
    warnings?: string[];
    /** Exact RFC 6902 operations (e.g. to show that the API server's defaults never become some). */
    patch?: unknown[];
    /** The API server's defaults the Pod was judged with ([] = none). */
    apiDefaults?: { path: string; value: unknown; message: string }[];
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : /\.ya?ml$/.test(name) ? [full] : [];
    });
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function casePolicies(doc: any, id: string): Policy[] {
  const inline = (doc.policies ?? []).map((p: unknown, i: number) => {
    const text = JSON.stringify(p);
    return parsePolicies(text, `${id}:policies[${i}]`).policies;
  });
  const files = (doc.policyFiles ?? []).map((f: string) => join(REPO_ROOT, f));
  return [...inline.flat(), ...(files.length ? loadPolicies(files).policies : [])];
}

/** Indexes in `pod`'s spec.ephemeralContainers of the containers named `names` (each must be there). */
export function ephemeralIndexes(pod: unknown, names: readonly string[], where: string): number[] {
  const list: { name?: unknown }[] = (pod as { spec?: { ephemeralContainers?: { name?: unknown }[] } })?.spec?.ephemeralContainers ?? [];
  return names.map((name) => {
    const index = list.findIndex((c) => c?.name === name);
    if (index < 0) throw new Error(`${where}: ephemeralContainers names "${name}", which input.spec.ephemeralContainers does not have`);
    return index;
  });
}

export function loadFixtureCases(root: string = ENGINE_FIXTURES): FixtureCase[] {
  return walk(root).flatMap((file) => {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    return docs.map((d, i) => {
      if (d.errors.length) throw new Error(`${file}#${i}: ${d.errors[0].message}`);
      const doc = d.toJS() as any;
      const id = `${relative(root, file)}#${i}`;
      return {
        id,
        description: doc.description ?? id,
        policies: casePolicies(doc, id),
        operation: doc.operation ?? "CREATE",
        ephemeralContainers: doc.ephemeralContainers === undefined ? undefined : ephemeralIndexes(doc.input, doc.ephemeralContainers, id),
        input: doc.input,
        expect: doc.expect,
      } satisfies FixtureCase;
    });
  });
}
