/**
 * The bench's one result table. Every row sets ours against a reference
 * measured in the same run, round by round (paired): the ratio is the
 * reference's time over ours in each round, so above 1 means we were faster,
 * and the minimum is our worst round, not the best of each side.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './proc';

export interface Row {
  what: string;
  ours: string;
  reference: string;
  /** Per-round ratios, reference time / our time. */
  ratios: number[];
  rssOursMB?: number;
  rssRefMB?: number;
}

/** A paired row from per-round times (seconds or ms, the same unit on both sides). */
export function pairedRow(what: string, refName: string, ours: number[], ref: number[], fmt: (t: number) => string, rss?: { ours: number[]; ref: number[] }): Row {
  const ratios = ours.map((o, i) => (ref[i] as number) / o);
  return {
    what,
    ours: fmt(median(ours)),
    reference: `${refName} ${fmt(median(ref))}`,
    ratios,
    rssOursMB: rss ? Math.max(...rss.ours) : undefined,
    rssRefMB: rss ? Math.max(...rss.ref) : undefined,
  };
}

function leans(ratios: number[]): string {
  const m = median(ratios);
  if (Math.min(...ratios) > 1) return 'ours faster in every round';
  if (Math.max(...ratios) < 1) return 'ref faster in every round';
  return m >= 1 ? 'ours faster at the median' : 'ref faster at the median';
}

const ratioText = (x: number) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const mb = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${x.toFixed(0)} MB`);

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| what | ours | reference | ratio (median, min) | peak RSS ours / ref |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const ratio = `${ratioText(median(r.ratios))}, ${ratioText(Math.min(...r.ratios))} (×${r.ratios.length}; ${leans(r.ratios)})`;
      const rss = r.rssOursMB === undefined ? '–' : `${mb(r.rssOursMB)} / ${mb(r.rssRefMB)}`;
      return `| ${r.what} | ${r.ours} | ${r.reference} | ${ratio} | ${rss} |`;
    }),
  ];
  return lines.join('\n');
}

const RESULTS = join(resolve(fileURLToPath(import.meta.url), '..'), 'results');

/** Writes bench/results/latest.md (git-ignored) and returns its path. */
export async function writeLatest(markdown: string): Promise<string> {
  await mkdir(RESULTS, { recursive: true });
  const path = join(RESULTS, 'latest.md');
  await writeFile(path, markdown);
  return path;
}

/** Where bundled bench scripts go: inside the repo so node_modules resolve, and git-ignored. */
export const BUILD_DIR = join(RESULTS, 'build');
