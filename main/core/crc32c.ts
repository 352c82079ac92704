/**
 * CRC-32C (Castagnoli): the checksum Cloud Storage keeps for every object
 * (the only one a composite object has) and Secret Manager for every
 * value, so the ranged download can check a file against it. Node's zlib
 * offers only CRC-32 and the npm packages for this are native addons; a
 * table-driven one is a dozen lines and fast enough for a fallback check.
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Continues a CRC-32C over `data`; start with 0. */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
