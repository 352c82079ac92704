/**
 * Secret masking for a job's output stream. It works on the raw stream, not
 * on lines: a value is found before the output is split into lines or cut
 * at the line limit, so a multi-line value (a PEM key) or one that straddles
 * a cut or a chunk boundary is masked whole. Each line of a multi-line value
 * is masked too, so printing it line by line or re-indented hides it as well.
 * Hand-written because masking libraries match per line, which is the bug
 * this module exists to avoid.
 */

export const MASK = '***';

/** Lines of a multi-line secret shorter than this (after trimming) are not masked alone: `}` or `--` would mask half the log. */
export const MIN_LINE_MASK = 4;

/** A masked stretch of text: [start, end). */
type Range = [number, number];

export class Masker {
  private values: string[] = [];

  /** Values to replace by `***`, longest first so a secret containing another is masked whole. */
  set(values: Iterable<string>): void {
    const all = new Set<string>();
    for (const v of values) {
      if (!v) continue;
      all.add(v);
      if (!/[\r\n]/.test(v)) continue;
      for (const line of v.split(/\r?\n|\r/)) {
        const t = line.trim();
        if (t.length >= MIN_LINE_MASK) all.add(t);
      }
    }
    this.values = [...all].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.values.length > 0;
  }

  /**
   * Where the secrets are in `text`, sorted. Longer values claim first; a
   * shorter one that overlaps a claimed stretch is skipped. Since every
   * claimed stretch is at least as long as the one being placed, an overlap
   * always covers one of its two ends, so checking the ends is enough.
   * One indexOf scan per value measured about 3x faster than one regular
   * expression of all values (a PEM key brings one value per line).
   */
  private ranges(text: string): Range[] {
    if (!this.values.length) return [];
    const covered = new Uint8Array(text.length);
    const out: Range[] = [];
    for (const v of this.values) {
      for (let at = text.indexOf(v); at >= 0; at = text.indexOf(v, at + 1)) {
        const end = at + v.length;
        if (covered[at] || covered[end - 1]) continue;
        covered.fill(1, at, end);
        out.push([at, end]);
        at = end - 1;
      }
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** `text` with every secret replaced. */
  mask(text: string): string {
    return this.maskPrefix(text, text.length).text;
  }

  /**
   * Masks `text` up to `limit` at most, never stopping inside a secret;
   * returns the masked text and how much of the input it covers.
   */
  private maskPrefix(text: string, limit: number): { text: string; used: number } {
    const ranges = this.ranges(text);
    let end = limit;
    for (const [s, e] of ranges) if (s < end && end < e) end = s;
    let out = '';
    let at = 0;
    for (const [s, e] of ranges) {
      if (e > end) break;
      out += text.slice(at, s) + MASK;
      at = e;
    }
    return { text: out + text.slice(at, end), used: end };
  }

  /** Where the earliest suffix of `text` that could be the start of a secret begins; `text.length` when none. */
  private holdFrom(text: string): number {
    let from = text.length;
    for (const v of this.values) {
      // Only a suffix shorter than the value can be its unfinished start; the first such one found is the earliest.
      for (let p = text.indexOf(v[0]!, Math.max(0, text.length - v.length + 1)); p >= 0 && p < from; p = text.indexOf(v[0]!, p + 1)) {
        if (v.startsWith(text.slice(p))) {
          from = p;
          break;
        }
      }
    }
    return from;
  }

  /**
   * Masks what can be masked now: everything when the stream has ended,
   * else all but a tail that may be the start of a secret still arriving.
   * `rest` is that tail, raw, to be put before the next chunk.
   */
  take(raw: string, ended: boolean): { masked: string; rest: string } {
    if (!this.values.length) return { masked: raw, rest: '' };
    const { text, used } = this.maskPrefix(raw, ended ? raw.length : this.holdFrom(raw));
    return { masked: text, rest: raw.slice(used) };
  }
}
