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
  /** The highest rate tried whose frame p95 stayed within 1.2 × max(16.7 ms, idle p95). */
  maxLinesPerSec: number;
  steps: { linesPerSec: number; frameP95Ms: number }[];
  heapBeforeMB: number;
  heapAfter1MLinesMB: number;
  domRowsAfter1M: number;
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

export async function measureLogPane(page: Page, origin: string, rates: number[]): Promise<LogPaneFigures> {
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
  for (const rate of rates) {
    const p95 = await frameP95(page, () => feed().stream(rate, 2500));
    steps.push({ linesPerSec: rate, frameP95Ms: p95 });
    if (p95 > budget) break;
    maxLinesPerSec = rate;
  }

  while (feed().sent < 1_000_000) feed().push(Math.min(20_000, 1_000_000 - feed().sent));
  await page.getByText(/1,000,000 lines/).waitFor({ timeout: 120_000 });
  const heapAfter1MLinesMB = await heapMB(cdp);
  const domRowsAfter1M = await page.locator('.log-row').count();
  return { idleFrameP95Ms: idle, maxLinesPerSec, steps, heapBeforeMB, heapAfter1MLinesMB, domRowsAfter1M };
}
