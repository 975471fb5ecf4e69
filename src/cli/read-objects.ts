// Reads the Kubernetes objects of the CLI's FILE arguments from YAML or JSON text: multi-document, and
// `v1` `List`s expanded.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { isObject } from "../engine/json.js";

export interface SourcedObject {
  /** Where the object came from: `file`, document index and, for a List, the item index. */
  source: string;
  object: unknown;
}

export class InputError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = "InputError";
  }
}

function documents(text: string, file: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return [JSON.parse(trimmed)];
    } catch {
      // Not strict JSON (e.g. YAML flow style): let the YAML parser explain what is wrong.
    }
  }
  const parsed = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const where = error.linePos?.[0] ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : "";
      throw new InputError(`${file}: document ${index + 1}`, `not valid YAML${where}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    return doc.toJS({ maxAliasCount: 100 });
  });
}

function expand(value: unknown, source: string): SourcedObject[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => expand(item, `${source}[${i}]`));
  if (!isObject(value)) throw new InputError(source, "expected a Kubernetes object (a mapping with apiVersion and kind)");
  if (value.kind === "List" || (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items))) {
    if (!Array.isArray(value.items)) throw new InputError(source, "a List needs an items array");
    return value.items.flatMap((item, i) => expand(item, `${source} items[${i}]`));
  }
  return [{ source, object: value }];
}

/** Every object in `text`; empty documents are skipped. Throws InputError naming the file and document (numbered from 1). */
export function readObjects(text: string, file: string): SourcedObject[] {
  return documents(text, file).flatMap((doc, index) =>
    doc === null || doc === undefined ? [] : expand(doc, `${file}: document ${index + 1}`),
  );
}

/** readObjects of a file's contents; "-" reads `readStdin()` (named `<stdin>`). Throws InputError when it cannot be read. */
export function readObjectsFromFile(file: string, readStdin: () => string): SourcedObject[] {
  const name = file === "-" ? "<stdin>" : file;
  let text: string;
  try {
    text = file === "-" ? readStdin() : readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(name, `cannot read: ${(error as Error).message}`);
  }
  return readObjects(text, name);
}
