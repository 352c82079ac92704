/**
 * The renderer's figures, in Debian's Chromium against the built UI:
 * - time from navigation to the first-run wizard being interactive (the
 *   "Use Local" button enabled), median of N fresh loads from `dstack server`,
 *   next to a blank page's load in the same browser as the reference;
 * - the bundle's size, raw and gzipped;
 * - the log pane: lines/second appended while frames stay within budget
 *   (p95), and the JS heap after 1,000,000 lines (see renderer-log.ts).
 *
 * Run alone: `node --import tsx bench/renderer.ts [--loads N]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { RENDERER_OUT, buildRenderer } from '../test/browser/build-renderer';
import { startServerProcess } from '../test/browser/server-process';
import { measureLogPane, type LogPaneFigures } from './renderer-log';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RendererBenchOptions {
  /** Fresh page loads for the wizard timing; the median counts. */
  loads?: number;
  /** Log rates tried in order, lines per second, until frames go over budget. */
  rates?: number[];
}

export interface RendererBenchResult {
  wizardInteractiveMs: number;
  blankLoadMs: number;
  bundleBytes: number;
  bundleGzipBytes: number;
  logPane: LogPaneFigures;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
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

async function wizardTimes(browser: Browser, url: string, loads: number): Promise<{ wizard: number; blank: number }> {
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
  return { wizard: median(wizard), blank: median(blank) };
}

export async function benchRenderer(opts: RendererBenchOptions = {}): Promise<RendererBenchResult> {
  await buildRenderer();
  const size = bundleSize();
  const server = await startServerProcess();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const times = await wizardTimes(browser, server.url, opts.loads ?? 9);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url);
    const logPane = await measureLogPane(page, server.origin, opts.rates ?? [1_000, 5_000, 20_000, 50_000, 100_000, 200_000, 400_000]);
    await context.close();
    return { wizardInteractiveMs: times.wizard, blankLoadMs: times.blank, bundleBytes: size.bytes, bundleGzipBytes: size.gzip, logPane };
  } finally {
    await browser.close();
    await server.stop();
  }
}

export function formatRenderer(r: RendererBenchResult): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const l = r.logPane;
  return [
    `wizard interactive: ${r.wizardInteractiveMs.toFixed(0)} ms median (blank page: ${r.blankLoadMs.toFixed(0)} ms; ratio ${(r.wizardInteractiveMs / Math.max(1, r.blankLoadMs)).toFixed(1)}×)`,
    `renderer bundle: ${kb(r.bundleBytes)} (${kb(r.bundleGzipBytes)} gzip)`,
    `log pane: ${l.maxLinesPerSec.toLocaleString('en')} lines/s with frame p95 within budget (idle p95 ${l.idleFrameP95Ms.toFixed(1)} ms)`,
    ...l.steps.map((s) => `  ${s.linesPerSec.toLocaleString('en').padStart(9)} lines/s: frame p95 ${s.frameP95Ms.toFixed(1)} ms`),
    `log pane memory: JS heap ${l.heapBeforeMB.toFixed(1)} MB before, ${l.heapAfter1MLinesMB.toFixed(1)} MB after 1,000,000 lines; ${l.domRowsAfter1M} rows in the DOM`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--loads');
  const loads = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const result = await benchRenderer({ loads });
  console.log(formatRenderer(result));
}
