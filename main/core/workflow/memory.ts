/**
 * Memory sizes as people write them in workflows ("8GB", "512MiB", "1.5 tb").
 * Decimal and binary spellings mean the same binary amount (GB = GiB), as
 * cloud providers size instance memory in GiB while users write "GB": taking
 * "8GB" as 8e9 bytes would make an 8 GiB instance look too small.
 */

const UNIT_MIB: Record<string, number> = {
  b: 1 / (1024 * 1024),
  k: 1 / 1024, kb: 1 / 1024, kib: 1 / 1024,
  m: 1, mb: 1, mib: 1,
  g: 1024, gb: 1024, gib: 1024,
  t: 1024 * 1024, tb: 1024 * 1024, tib: 1024 * 1024,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*$/i;

/**
 * Parses a memory size into MiB, rounded up to a whole MiB. A number is taken
 * as MiB already (for callers that hold a computed amount); a string needs a
 * unit, because a bare "8" is as likely to mean GB as MB. Returns undefined
 * for anything that is not a size, so callers can word their own message.
 */
export function parseMemory(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isFinite(s) && s >= 0 ? Math.ceil(s) : undefined;
  const m = SIZE_RE.exec(s);
  if (!m) return undefined;
  const factor = UNIT_MIB[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  const mib = Number(m[1]) * factor;
  return Number.isFinite(mib) ? Math.ceil(mib - 1e-9) : undefined;
}
