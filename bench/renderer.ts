/**
 * The renderer's figures, in Debian's Chromium against the built UI:
 * - time from navigation to the first-run wizard being interactive (the
 *   "Use Local" button enabled), median of N fresh loads from `dstack server`,
 *   next to a blank page's load in the same browser as the reference;
 * - the bundle's size, raw and gzipped;
 * - the log pane: lines/second appended while frames stay within budget
 *   (p95, several samples per rate), the frame p95 while 200,000 lines
 *   stream in, and the JS heap after growing past the store's line cap
 *   (see renderer-log.ts); with the machine's load average during the run.
 *
 * Run alone: `node --import tsx bench/renderer.ts [--loads N]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { RENDERER_OUT, buildRenderer } from '../test/browser/build-renderer';
import { startServerProcess } from '../test/browser/server-process';
import { DEFAULT_CAP } from '../renderer/src/logs/log-store';
import { LoadSampler } from './proc';
import { measureLogPane, type LogPaneFigures } from './renderer-log';
import { measureRunButton, type RunButtonFigures } from './renderer-run';
import { pairedRow, type Row } from './table';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RendererBenchOptions {
  /** Fresh page loads for the wizard timing; the median counts. */
  loads?: number;
  /** Log rates tried in order, lines per second, until frames go over budget. */
  rates?: number[];
  /** Frame samples per rate. */
  samples?: number;
  /** Runs started from the Run button, each timed to its first line in the log pane. */
  runs?: number;
}

export interface RendererBenchResult {
  /** Per load, paired: the wizard and a blank page in the same browser. */
  wizardMs: number[];
  blankMs: number[];
  /** 1-minute load average while the renderer bench ran. */
  load: { min: number; median: number; max: number };
  bundleBytes: number;
  bundleGzipBytes: number;
  logPane: LogPaneFigures;
  runButton: RunButtonFigures;
}

function bundleSize(): { bytes: number; gzip: number } {
  const dir = join(RENDERER_OUT, 'assets');
  let bytes = 0;
  let gzip = 0;
  for (const f of readdirSync(dir).filter((n) => /\.(js|css)$/.test(n))) {
    const buf = readFileSync(join(dir, f));
    bytes += buf.length;
    gzip += gzipSync(buf, { level: 9 }).length;
  }
  const html = readFileSync(join(RENDERER_OUT, 'index.html'));
  return { bytes: bytes + html.length, gzip: gzip + gzipSync(html, { level: 9 }).length };
}

async function wizardTimes(browser: Browser, url: string, loads: number): Promise<{ wizard: number[]; blank: number[] }> {
  const origin = new URL(url).origin;
  const context = await browser.newContext();
  const warm = await context.newPage();
  await warm.goto(url);
  await warm.close();
  const wizard: number[] = [];
  const blank: number[] = [];
  for (let i = 0; i < loads; i++) {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'Use Local' }).and(page.locator(':enabled')).waitFor();
    wizard.push(await page.evaluate(() => performance.now()));
    await page.goto('data:text/html,<p>blank</p>');
    blank.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  await context.close();
  return { wizard, blank };
}

export async function benchRenderer(opts: RendererBenchOptions = {}): Promise<RendererBenchResult> {
  await buildRenderer();
  const size = bundleSize();
  const server = await startServerProcess();
  const load = new LoadSampler();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const times = await wizardTimes(browser, server.url, opts.loads ?? 9);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url);
    const logPane = await measureLogPane(page, server.origin, {
      rates: opts.rates ?? [1_000, 5_000, 20_000, 50_000, 100_000, 200_000, 400_000],
      samples: opts.samples,
      cap: DEFAULT_CAP,
    });
    await context.close();
    const runButton = await measureRunButton(browser, opts.runs ?? 5);
    return { wizardMs: times.wizard, blankMs: times.blank, load: load.stop(), bundleBytes: size.bytes, bundleGzipBytes: size.gzip, logPane, runButton };
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** The renderer's rows for the bench table: the wizard against a blank page, the log pane's flood against its idle frames. */
export function rendererRows(r: RendererBenchResult): Row[] {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const f = r.logPane.flood;
  return [
    pairedRow('first-run wizard interactive', 'blank page load', r.wizardMs, r.blankMs, ms),
    pairedRow('app Run button → first log line in the pane (local)', 'spawn node -e → first line', r.runButton.uiMs, r.runButton.nodeMs, ms),
    pairedRow(`log pane frame p95, ${f.lines.toLocaleString('en')} lines at ${f.linesPerSec.toLocaleString('en')}/s`, 'idle pane p95', [f.frameP95Ms], [r.logPane.idleFrameP95Ms], ms),
  ];
}

export function formatRenderer(r: RendererBenchResult): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const l = r.logPane;
  return [
    `load average (1 min) during the renderer bench: ${r.load.median.toFixed(1)} median (${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)}) on ${availableParallelism()} cores`,
    `renderer bundle: ${kb(r.bundleBytes)} (${kb(r.bundleGzipBytes)} gzip)`,
    `log pane: ${l.maxLinesPerSec.toLocaleString('en')} lines/s with median frame p95 within budget (idle p95 ${l.idleFrameP95Ms.toFixed(1)} ms)`,
    ...l.steps.map((s) => `  ${s.linesPerSec.toLocaleString('en').padStart(9)} lines/s: frame p95 ${s.frameP95Ms.map((x) => x.toFixed(1)).join(', ')} ms`),
    `app Run button → first line in the log pane: ${r.runButton.uiMs.map((x) => x.toFixed(0)).join(', ')} ms (target ≤ 1200 ms)`,
    `log pane while ${l.flood.lines.toLocaleString('en')} lines stream in at ${l.flood.linesPerSec.toLocaleString('en')}/s: frame p95 ${l.flood.frameP95Ms.toFixed(1)} ms (target ≤ 16.7 ms)`,
    `log pane past its ${l.cap.toLocaleString('en')}-line cap: JS heap ${l.heapBeforeMB.toFixed(1)} MB before, ${l.heapPastCapMB.toFixed(1)} MB at 1.25 × cap, ${l.heapFurtherPastCapMB.toFixed(1)} MB at 1.5 × cap; ${l.domRowsPastCap} rows in the DOM; the pane says "${l.truncationNotice}"`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--loads');
  const loads = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const result = await benchRenderer({ loads });
  console.log(formatRenderer(result));
}
