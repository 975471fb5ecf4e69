// Policy sets for the growth runs, generated from policies/restricted.yaml into bench/work/policies:
// the restricted policy bound (spec.namespaces) to 1, 100 or 10,000 namespaces, and 20 copies of it
// either splitting 100 namespaces between them or all bound to all 100.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { namespaceName } from "./reviews.js";

type Doc = { apiVersion?: string; kind?: string; metadata?: { name?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

export interface PolicySet {
  name: string;
  description: string;
  /** What to pass to --policies. */
  path: string;
  /** The namespaces the requests go to. */
  namespaces: string[];
  policies: number;
  boundNamespaces: number;
}

/** The first policy document of the restricted file, as a SecureDefaultsPolicy that can be bound. */
export function restrictedTemplate(file: string): Doc {
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Doc).filter((d) => d?.spec);
  if (docs.length === 0) throw new Error(`${file}: no policy document`);
  const doc = structuredClone(docs[0]);
  // Only SecureDefaultsPolicy documents can be bound to namespaces.
  doc.apiVersion = "secure-defaults.io/v1alpha1";
  doc.kind = "SecureDefaultsPolicy";
  return doc;
}

function bound(template: Doc, name: string, namespaces: string[]): Doc {
  const doc = structuredClone(template);
  doc.metadata = { ...(doc.metadata ?? {}), name };
  const spec = { ...(doc.spec ?? {}) };
  delete spec.namespaceSelector;
  doc.spec = { ...spec, namespaces };
  return doc;
}

export function generatePolicySets(restrictedFile: string, workDir: string): PolicySet[] {
  const template = restrictedTemplate(restrictedFile);
  const root = join(workDir, "policies");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const names = (n: number) => Array.from({ length: n }, (_, i) => namespaceName(i));
  const sets: PolicySet[] = [];

  for (const n of [1, 100, 10_000]) {
    const dir = join(root, `namespaces-${n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, "restricted.yaml"), stringify(bound(template, "restricted", names(n))));
    sets.push({ name: `namespaces-${n}`, description: `1 policy bound to ${n} namespace${n > 1 ? "s" : ""}`, path: dir, namespaces: names(n), policies: 1, boundNamespaces: n });
  }

  const hundred = names(100);
  const split = join(root, "policies-20-split");
  mkdirSync(split);
  for (let p = 0; p < 20; p++) {
    const mine = hundred.filter((_, i) => i % 20 === p);
    writeFileSync(join(split, `restricted-${String(p).padStart(2, "0")}.yaml`), stringify(bound(template, `restricted-${String(p).padStart(2, "0")}`, mine)));
  }
  sets.push({ name: "policies-20-split", description: "20 policies, each bound to 5 of 100 namespaces (1 candidate per Pod)", path: split, namespaces: hundred, policies: 20, boundNamespaces: 100 });

  const all = join(root, "policies-20-all");
  mkdirSync(all);
  for (let p = 0; p < 20; p++) {
    writeFileSync(join(all, `restricted-${String(p).padStart(2, "0")}.yaml`), stringify(bound(template, `restricted-${String(p).padStart(2, "0")}`, hundred)));
  }
  sets.push({ name: "policies-20-all", description: "20 policies, all bound to the same 100 namespaces (20 candidates per Pod)", path: all, namespaces: hundred, policies: 20, boundNamespaces: 100 });
  return sets;
}
