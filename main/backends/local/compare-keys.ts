/** S3's key order, shared by listings and the folder cache. */
/**
 * Compares keys by their UTF-8 bytes, the order S3 lists in, without
 * encoding them. UTF-8 byte order is code point order; UTF-16 code units
 * agree with it except that surrogates (code points above U+FFFF) must sort
 * after U+E000..U+FFFF, so those two ranges swap places.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
