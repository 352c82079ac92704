/**
 * The log pane under a firehose, for bench/renderer.ts. The page is the real
 * built renderer; its API is answered by Playwright routes (HTTP and the
 * event WebSocket) so the bench controls exactly how many lines arrive and
 * when, which a real job cannot do. Frame times come from a rAF loop in the
 * page; memory from CDP after a forced GC.
 */
import type { CDPSession, Page, WebSocketRoute } from '@playwright/test';
import type { RunSummary } from '../main/common/api/operations';

const RUN: RunSummary = { runName: 'bench-run-1', workflowName: 'flood', jobId: 'bench-run-1,flood,0', repo: 'r', backend: 'local', status: 'running', submittedAt: Date.now() };
const ANSWERS: Record<string, unknown> = {
  'app.info': { version: 'bench', transport: 'http', platform: 'linux', configured: true },
  'setup.get': { draft: { step: 'done' }, config: { backend: 'local', home: '/bench' } },
  'projects.recent': [{ id: 'p1', name: 'bench', displayPath: '/bench' }],
  'projects.workflows': { workflows: [], errors: [] },
  'runs.list': [RUN],
  'runs.watch': { subscriptionId: 'watch-1' },
  'logs.follow': { subscriptionId: 'log-1' },
  'tags.list': [],
  'events.unsubscribe': null,
};
const BATCH_MS = 50;

export interface LogPaneFigures {
  /** p95 of rAF intervals with the pane idle: the reference the loaded runs are held to. */
  idleFrameP95Ms: number;
  /** The highest rate tried whose median frame p95 (over its samples) stayed within 1.2 × max(16.7 ms, idle p95). */
  maxLinesPerSec: number;
  /** Each rate tried, with the frame p95 of every sample taken at it. */
  steps: { linesPerSec: number; frameP95Ms: number[] }[];
  /** Frame p95 over the whole time 200,000 lines streamed in, at `floodRate` lines/s. */
  flood: { lines: number; linesPerSec: number; frameP95Ms: number };
  /** The store's line cap, and what the pane held and showed after growing past it. */
  cap: number;
  heapBeforeMB: number;
  /** JS heap after 1.25 × cap lines, and after 1.5 × cap: past the cap it must stay flat. */
  heapPastCapMB: number;
  heapFurtherPastCapMB: number;
  domRowsPastCap: number;
  /** The pane's own notice, e.g. "Showing the last 1,000,000 of 1,500,000 lines…". */
  truncationNotice: string;
}

export interface LogPaneOptions {
  /** Rates tried in order, lines per second, until frames go over budget. */
  rates: number[];
  /** Samples per rate; each is its own frame p95. */
  samples?: number;
  /** The renderer store's cap (DEFAULT_CAP in renderer/src/logs/log-store.ts). */
  cap: number;
}

function line(i: number): string {
  return i % 10 === 0 ? `\x1b[32m[ok]\x1b[0m step ${i} loss=${(1 / (i + 1)).toFixed(6)} lr=3e-4` : `step ${i} loss=${(1 / (i + 1)).toFixed(6)} lr=3e-4 throughput=1234.5 samples/s`;
}

class Feeder {
  sent = 0;
  constructor(private readonly ws: WebSocketRoute) {}
  push(n: number): void {
    const lines = Array.from({ length: n }, (_, k) => ({ id: String(this.sent + k), time: Date.now(), stream: 'stdout', text: line(this.sent + k) }));
    this.sent += n;
    this.ws.send(JSON.stringify({ type: 'event', event: 'logs.lines', payload: { subscriptionId: 'log-1', lines, done: false } }));
  }
  /** Sends `perSec` lines a second in 50 ms batches, as main batches them, for `ms`. */
  async stream(perSec: number, ms: number): Promise<void> {
    const per = Math.max(1, Math.round((perSec * BATCH_MS) / 1000));
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const t = Date.now();
      this.push(per);
      await new Promise((r) => setTimeout(r, Math.max(0, BATCH_MS - (Date.now() - t))));
    }
  }
}

// A string, not a function: tsx would wrap a function's inner names in a helper the page lacks.
const FRAME_LOOP = `(() => {
  window.__frames = [];
  if (window.__frameLoop) return;
  window.__frameLoop = true;
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`;

async function frameP95(page: Page, during: () => Promise<void>): Promise<number> {
  await page.evaluate(FRAME_LOOP);
  await during();
  const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames.slice(2));
  frames.sort((a, b) => a - b);
  return frames[Math.floor(frames.length * 0.95)] ?? 0;
}

async function heapMB(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}

export async function measureLogPane(page: Page, origin: string, opts: LogPaneOptions): Promise<LogPaneFigures> {
  let feeder: Feeder | null = null;
  await page.routeWebSocket(/\/api\/events$/, (ws) => {
    ws.send(JSON.stringify({ type: 'hello', clientId: 'bench' }));
    feeder = new Feeder(ws);
  });
  await page.route(/\/api\/[a-z]+\.[A-Za-z]+$/, (route) => {
    const op = new URL(route.request().url()).pathname.slice(5);
    const result = ANSWERS[op];
    return route.fulfill({ contentType: 'application/json', body: JSON.stringify(result === undefined ? { error: { code: 'internal', message: `bench does not answer ${op}` } } : { result }) });
  });
  await page.goto(`${origin}/`);
  await page.getByRole('button', { name: 'Open bench' }).click();
  await page.getByRole('button', { name: `Show run ${RUN.runName}` }).click();
  await page.getByRole('log', { name: 'Log output' }).waitFor();
  const feed = (): Feeder => {
    if (!feeder) throw new Error('the page opened no event socket');
    return feeder;
  };
  const cdp = await page.context().newCDPSession(page);
  const heapBeforeMB = await heapMB(cdp);

  const idle = await frameP95(page, () => page.waitForTimeout(1500));
  const budget = 1.2 * Math.max(1000 / 60, idle);
  const steps: LogPaneFigures['steps'] = [];
  let maxLinesPerSec = 0;
  for (const rate of opts.rates) {
    const samples: number[] = [];
    for (let i = 0; i < Math.max(2, opts.samples ?? 3); i++) samples.push(await frameP95(page, () => feed().stream(rate, 2000)));
    steps.push({ linesPerSec: rate, frameP95Ms: samples });
    if (median(samples) > budget) break;
    maxLinesPerSec = rate;
  }

  const FLOOD = 200_000;
  const FLOOD_RATE = 20_000;
  const floodP95 = await frameP95(page, () => feed().stream(FLOOD_RATE, (FLOOD / FLOOD_RATE) * 1000));

  const fill = async (target: number): Promise<string> => {
    while (feed().sent < target) feed().push(Math.min(20_000, target - feed().sent));
    const notice = page.getByText(new RegExp(`Showing the last [\\d,]+ of ${target.toLocaleString('en')} lines`));
    await notice.waitFor({ timeout: 180_000 }).catch(async () => {
      const seen = await page.locator('.log-pane').innerText().catch(() => '(no pane)');
      throw new Error(`after ${target.toLocaleString('en')} lines the pane showed no truncation notice; it showed: ${seen.slice(0, 300)}`);
    });
    return notice.innerText();
  };
  await fill(Math.round(opts.cap * 1.25));
  const heapPastCapMB = await heapMB(cdp);
  const domRowsPastCap = await page.locator('.log-row').count();
  const truncationNotice = await fill(Math.round(opts.cap * 1.5));
  const heapFurtherPastCapMB = await heapMB(cdp);
  return {
    idleFrameP95Ms: idle, maxLinesPerSec, steps, flood: { lines: FLOOD, linesPerSec: FLOOD_RATE, frameP95Ms: floodP95 },
    cap: opts.cap, heapBeforeMB, heapPastCapMB, heapFurtherPastCapMB, domRowsPastCap, truncationNotice,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
