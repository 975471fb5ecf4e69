// RFC 6902 patch between the input and the result, computed by comparison, never written by hand.
//
// The comparison is fast-json-patch's `compare`, operation for operation (same operations, same order:
// removals and replacements walking the old keys backwards, then additions), with two differences that
// matter on the admission path: it stops at identical references at once (the engine shares every part of
// the Pod it did not write with the input), and it copies added values with a plain recursive copy instead
// of a JSON round trip. A property test checks it against `jsonpatch.compare` on independent copies.
import type { PatchOperation } from "./types.js";

type Json = Record<string, unknown>;

/** A deep copy of JSON data (objects, arrays, scalars); `undefined` array items become null, as in JSON. */
function copyJson(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : copyJson(item)));
  const copy: Json = {};
  for (const key of Object.keys(value)) {
    const item = (value as Json)[key];
    if (item !== undefined) copy[key] = copyJson(item);
  }
  return copy;
}

/** A JSON Pointer token: `~` as `~0`, `/` as `~1`. */
function token(key: string): string {
  return key.includes("/") || key.includes("~") ? key.replace(/~/g, "~0").replace(/\//g, "~1") : key;
}

function isContainer(value: unknown): value is Json {
  return typeof value === "object" && value !== null;
}

/** Two different values at `path`: recurse into two objects or two arrays, else replace. */
function compareValues(oldValue: unknown, newValue: unknown, ops: PatchOperation[], path: string): void {
  if (isContainer(oldValue) && isContainer(newValue) && Array.isArray(oldValue) === Array.isArray(newValue)) {
    generate(oldValue, newValue, ops, path);
  } else {
    ops.push({ op: "replace", path, value: copyJson(newValue) });
  }
}

function generateArray(before: unknown[], after: unknown[], ops: PatchOperation[], path: string): void {
  for (let i = before.length - 1; i >= 0; i--) {
    if (i >= after.length) ops.push({ op: "remove", path: `${path}/${i}` });
    else if (before[i] !== after[i]) compareValues(before[i], after[i], ops, `${path}/${i}`);
  }
  for (let i = before.length; i < after.length; i++) {
    if (after[i] !== undefined) ops.push({ op: "add", path: `${path}/${i}`, value: copyJson(after[i]) });
  }
}

function generate(before: Json, after: Json, ops: PatchOperation[], path: string): void {
  if (before === after) return;
  if (Array.isArray(before) && Array.isArray(after)) {
    generateArray(before, after, ops, path);
    return;
  }
  if (Array.isArray(before) !== Array.isArray(after)) {
    // What compare does for an object that became an array or the reverse: replace it whole.
    ops.push({ op: "replace", path, value: copyJson(after) });
    return;
  }
  const oldKeys = Object.keys(before);
  let deleted = false;
  for (let i = oldKeys.length - 1; i >= 0; i--) {
    const key = oldKeys[i];
    const oldValue = before[key];
    if (Object.hasOwn(after, key) && !(after[key] === undefined && oldValue !== undefined)) {
      if (oldValue !== after[key]) compareValues(oldValue, after[key], ops, `${path}/${token(key)}`);
    } else {
      ops.push({ op: "remove", path: `${path}/${token(key)}` });
      deleted = true;
    }
  }
  const newKeys = Object.keys(after);
  if (!deleted && newKeys.length === oldKeys.length) return;
  for (const key of newKeys) {
    if (!Object.hasOwn(before, key) && after[key] !== undefined) {
      ops.push({ op: "add", path: `${path}/${token(key)}`, value: copyJson(after[key]) });
    }
  }
}

export function diff(before: unknown, after: unknown): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (isContainer(before) && isContainer(after)) generate(before, after, ops, "");
  return ops;
}
