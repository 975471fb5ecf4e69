// RFC 6902 patch between the input and the result: computed by comparison, never written by hand.
import jsonpatch from "fast-json-patch";
import type { PatchOperation } from "./types.js";

export function diff(before: unknown, after: unknown): PatchOperation[] {
  return jsonpatch.compare(before as object, after as object) as PatchOperation[];
}
