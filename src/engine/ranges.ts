// Inclusive id ranges, as PSP printed and checked them.
import type { IdRange } from "./types.js";

export function inRanges(value: number, ranges: readonly IdRange[]): boolean {
  return ranges.some((r) => value >= r.min && value <= r.max);
}

/** PSP's Go rendering of ranges in messages: `[{1000 2000} {3000 3000}]`. */
export function formatRanges(ranges: readonly IdRange[]): string {
  return `[${ranges.map((r) => `{${r.min} ${r.max}}`).join(" ")}]`;
}
