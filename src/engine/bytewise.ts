// Go's string order, for what the engine sorts as PSP did (capability names, policy names): Go compares
// the UTF-8 bytes, JavaScript's `<` the UTF-16 code units. They differ for characters above U+FFFF: their
// surrogates (D800-DFFF) sort before U+E000-U+FFFF in UTF-16, their UTF-8 bytes (F0-F4) after.

/** Byte-wise ascending on the UTF-8 encoding (Go's sort.Strings), i.e. by Unicode code point. */
export function compareBytewise(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}
