// A tiny, independent RFC 6902 JSON Patch applier (RFC 6901 pointers), so that the webhook's patches are
// checked by something other than the library that produced them (fast-json-patch).
import { isDeepStrictEqual } from "node:util";

export interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

type Container = Record<string, unknown> | unknown[];

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === "-") return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`"${token}" is not an array index`);
  const index = Number(token);
  if (index > length || (!forAdd && index === length)) throw new Error(`array index ${index} out of range (length ${length})`);
  return index;
}

function parentOf(doc: unknown, tokens: string[]): { parent: Container; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (!isContainer(node)) throw new Error(`path does not exist at "${token}"`);
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false)];
    else {
      if (!Object.hasOwn(node, token)) throw new Error(`path does not exist at "${token}"`);
      node = node[token];
    }
  }
  if (!isContainer(node)) throw new Error("parent is not an object or array");
  return { parent: node, key: tokens[tokens.length - 1] };
}

function get(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false)];
  if (!Object.hasOwn(parent, key)) throw new Error(`"${pointer}" does not exist`);
  return parent[key];
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new Error("cannot remove the whole document");
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false), 1);
  else {
    if (!Object.hasOwn(parent, key)) throw new Error(`"${pointer}" does not exist`);
    delete parent[key];
  }
  return doc;
}

/** Applies `patch` to a deep copy of `document` and returns the result; throws on any invalid operation. */
export function applyJsonPatch<T>(document: T, patch: readonly Operation[]): T {
  let doc: unknown = structuredClone(document);
  for (const operation of patch) {
    const value = structuredClone(operation.value);
    switch (operation.op) {
      case "add":
        if (!("value" in operation)) throw new Error("add needs a value");
        doc = add(doc, operation.path, value);
        break;
      case "remove":
        doc = remove(doc, operation.path);
        break;
      case "replace":
        if (!("value" in operation)) throw new Error("replace needs a value");
        get(doc, operation.path);
        doc = add(remove(doc, operation.path), operation.path, value);
        break;
      case "move": {
        const moved = get(doc, operation.from ?? "");
        doc = add(remove(doc, operation.from ?? ""), operation.path, moved);
        break;
      }
      case "copy":
        doc = add(doc, operation.path, structuredClone(get(doc, operation.from ?? "")));
        break;
      case "test":
        if (!isDeepStrictEqual(get(doc, operation.path), value)) throw new Error(`test failed at "${operation.path}"`);
        break;
      default:
        throw new Error(`unknown op "${operation.op}"`);
    }
  }
  return doc as T;
}
