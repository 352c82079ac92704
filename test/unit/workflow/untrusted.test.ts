// Workflow files from an untrusted repository: a file built to parse slowly
// must be refused or cut off, and must never block the caller's event loop.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIssue, loadWorkflows } from '../../../main/core/workflow';
import { parseFile } from '../../../main/core/workflow/file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dstack-untrusted-'));
  await mkdir(path.join(dir, '.dstack', 'workflows'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const put = (name: string, text: string) => writeFile(path.join(dir, '.dstack', 'workflows', name), text);

/** The 24 KB file of the report: 8,000 aliases of one anchor. */
const ALIASES = `x: &a "v"\nworkflows:\n  - name: hello\n    commands:\n${'  - *a\n'.repeat(8000)}`;

/**
 * A file that takes seconds to parse (about 1 s per 10,000 entries here,
 * measured) but gives a small answer: one workflow, and `n` entries under a
 * key the reader reports once and does not read.
 */
function slowFile(n: number): string {
  return `workflows:\n  - name: big\n    commands: [env]\nx-data:\n${Array.from({ length: n }, (_, i) => `  - {key: value-${i}, n: ${i}}`).join('\n')}\n`;
}
const SLOW_ISSUE = (file: string) => `.dstack/workflows/${file}:4:1: x-data: unknown key "x-data"; allowed keys: workflows.`;

/**
 * Runs `work` while a 10 ms interval measures how late it fires; returns the
 * result and the worst lag. It waits for one more tick after `work`: a block
 * at the very end would otherwise go unmeasured.
 */
async function withLag<T>(work: () => Promise<T>): Promise<{ result: T; worstLagMs: number; ticks: number }> {
  let worst = 0;
  let ticks = 0;
  let last = performance.now();
  let onTick: (() => void) | undefined;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
    ticks++;
    onTick?.();
  }, 10);
  try {
    const result = await work();
    await new Promise<void>((resolve) => (onTick = resolve));
    return { result, worstLagMs: worst, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('untrusted workflow files', () => {
  it('refuses the 8,000-alias file at once, naming the file and the alias over the cap', async () => {
    expect(ALIASES.length).toBeLessThan(60_000);
    await put('aliases.yaml', ALIASES);
    const started = performance.now();
    const set = await loadWorkflows(dir);
    const ms = performance.now() - started;
    expect(set.issues.map(formatIssue)).toEqual([
      '.dstack/workflows/aliases.yaml:105:5: the file uses more than 100 aliases (*a here is number 101); write the values out, or split the workflows into several files.',
    ]);
    expect(set.workflows).toEqual([]);
    // The report measured 51 s for this file; a worker start under tsx plus the check takes a few seconds at most, even loaded.
    expect(ms, `took ${Math.round(ms)} ms`).toBeLessThan(15_000);
  });

  it('stops a file that runs past the time limit, names it, and still reads the other files', async () => {
    await put('a-slow.yaml', slowFile(60_000));
    await put('b-ok.yaml', 'workflows:\n  - name: ok\n    commands: [echo ok]\n');
    const set = await loadWorkflows(dir, { timeoutMs: 500 });
    expect(set.issues.map(formatIssue)).toEqual([
      '.dstack/workflows/a-slow.yaml: reading the file took longer than 500 ms, so it was stopped; make it smaller or simpler (fewer aliases and anchors).',
    ]);
    expect(set.workflows.map((w) => w.name)).toEqual(['ok']);
  });

  it('keeps the event loop responsive while a slow file parses', async () => {
    // What parsing here, on this thread, would block for: the lag the worker must avoid. The file
    // grows until that is over a second, so the test means the same on a fast, quiet machine.
    let text = '';
    let blockedMs = 0;
    for (let n = 20_000; blockedMs <= 1000 && n <= 640_000; n *= 2) {
      text = slowFile(n);
      const before = performance.now();
      parseFile(text, '.dstack/workflows/big.yaml');
      blockedMs = performance.now() - before;
    }
    expect(blockedMs, 'even the largest file parses too fast here for the test to mean anything').toBeGreaterThan(1000);
    await put('big.yaml', text);
    const { result, worstLagMs, ticks } = await withLag(() => loadWorkflows(dir, { timeoutMs: 120_000 }));
    expect(result.issues.map(formatIssue)).toEqual([SLOW_ISSUE('big.yaml')]);
    const seen = `worst lag ${Math.round(worstLagMs)} ms over ${ticks} ticks; parsing on this thread blocked it for ${Math.round(blockedMs)} ms`;
    expect(worstLagMs, seen).toBeLessThan(Math.min(500, blockedMs / 4));
  }, 120_000);
});
