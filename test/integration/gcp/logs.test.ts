import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { CloudLogging } from '../../../main/backends/gcp/logs';
import type { Job } from '../../../main/common/job';
import type { LogEvent } from '../../../main/core/backend';
import type { LoggingStandin } from '../../helpers/logging-standin';
import { startLoggingStandin } from '../../helpers/logging-standin';
import { FAST_RETRY } from './setup';

let st: LoggingStandin;
let logs: CloudLogging;
beforeAll(async () => {
  st = await startLoggingStandin();
  logs = new CloudLogging(new GcpHttp(async () => st.token, FAST_RETRY), st.endpoint, st.project, 'dstack-test-bucket', { pollMs: 30 });
});
afterAll(() => st?.stop());

function job(id: string, repo = 'acme/app'): Job {
  return { repo, id, submittedAt: Date.now() } as Job;
}

function events(from: number, n: number): LogEvent[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(from + i).padStart(8, '0'), time: Date.now(), stream: i % 2 ? 'stderr' : 'stdout', text: `line ${from + i}` }));
}

async function readAll(j: Job, opts: Parameters<CloudLogging['read']>[1] = {}): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  for await (const batch of logs.read(j, opts)) out.push(...batch);
  return out;
}

describe('Cloud Logging against the stand-in', () => {
  it('follows a log while the runner writes it, and ends with every line once, in order', async () => {
    const j = job('calm-owl-3,train,0');
    st.visibleAfterMs = 100;
    let done = false;
    const writer = (async () => {
      const sink = await logs.open(j);
      for (let b = 0; b < 20; b++) {
        await sink.write(events(b * 60, 60));
        await new Promise((r) => setTimeout(r, 15));
      }
      await sink.close();
      done = true;
    })();
    let doneAtFirstBatch: boolean | undefined;
    const seen: string[] = [];
    for await (const batch of logs.read(j, { follow: true, isDone: async () => done })) {
      doneAtFirstBatch ??= done;
      seen.push(...batch.map((e) => e.text));
    }
    await writer;
    st.visibleAfterMs = 0;
    expect(doneAtFirstBatch, 'the reader saw lines before the job ended').toBe(false);
    expect(seen).toEqual(Array.from({ length: 1200 }, (_, i) => `line ${i}`));
    // A reader of the finished log later pages past 1,000 entries and sees the same.
    expect((await readAll(j)).map((e) => e.text)).toEqual(seen);
  });

  it('does not end a follow before the last lines are readable, however long Cloud Logging holds them back', async () => {
    // The runner has closed its log and the job has ended, but its lines stay out of listings for 15 poll intervals, while the log's end shows at once.
    const j = job('slow-ink-2,train,0');
    const sink = await logs.open(j);
    st.visibleAfterMs = 500;
    await sink.write(events(0, 10));
    st.visibleAfterMs = 0;
    await sink.close();
    const seen: string[] = [];
    for await (const batch of logs.read(j, { follow: true, isDone: async () => true })) seen.push(...batch.map((e) => e.text));
    expect(seen).toEqual(events(0, 10).map((e) => e.text));
  });

  it('reads on for the settle time when the runner never closed its log (a lost VM), then ends with every line', async () => {
    const settling = new CloudLogging(new GcpHttp(async () => st.token, FAST_RETRY), st.endpoint, st.project, 'dstack-test-bucket', { pollMs: 30, settleMs: 1500 });
    const j = job('lost-vm-4,train,0');
    const sink = await settling.open(j);
    st.visibleAfterMs = 500;
    await sink.write(events(0, 10));
    st.visibleAfterMs = 0;
    const seen: string[] = [];
    const started = Date.now();
    for await (const batch of settling.read(j, { follow: true, isDone: async () => true })) seen.push(...batch.map((e) => e.text));
    expect(seen).toEqual(events(0, 10).map((e) => e.text));
    expect(Date.now() - started, 'the follow waited out the settle time after the last line').toBeGreaterThanOrEqual(1500);
  });

  it('ends the follow of a log without an end entry whose job ended longer ago than the settle time after one pass', async () => {
    // A log written before runners closed theirs with an end entry, of a run that finished a minute ago.
    const settling = new CloudLogging(new GcpHttp(async () => st.token, FAST_RETRY), st.endpoint, st.project, 'dstack-test-bucket', { pollMs: 30, settleMs: 5000 });
    const j = { ...job('old-run-5,train,0'), finishedAt: Date.now() - 60_000 };
    await (await settling.open(j)).write(events(0, 10));
    const seen: string[] = [];
    const started = Date.now();
    for await (const batch of settling.read(j, { follow: true, isDone: async () => true })) seen.push(...batch.map((e) => e.text));
    expect(seen).toEqual(events(0, 10).map((e) => e.text));
    expect(Date.now() - started, 'the follow did not wait the settle time again').toBeLessThan(5000);
  });

  it('does not skip lines that become visible after newer ones (the look-back window)', async () => {
    const j = job('late-bird-1,train,0');
    const sink = await logs.open(j);
    st.visibleAfterMs = 400;
    await sink.write(events(0, 5));
    st.visibleAfterMs = 0;
    await new Promise((r) => setTimeout(r, 5));
    await sink.write(events(5, 5));
    await sink.close();
    const seen: LogEvent[] = [];
    const started = Date.now();
    for await (const batch of logs.read(j, { follow: true, isDone: async () => Date.now() - started > 600 })) seen.push(...batch);
    expect(seen.map((e) => e.id).sort()).toEqual(events(0, 10).map((e) => e.id));
    expect(new Set(seen.map((e) => e.id)).size).toBe(10);
    expect(seen.slice(0, 5).map((e) => e.text), 'the later lines came first').toEqual(events(5, 5).map((e) => e.text));
  });

  it('keeps streams, splits an over-long line, and keeps jobs and repos apart', async () => {
    const a = job('odd-hawk-1,train,0');
    const sink = await logs.open(a);
    const long = 'x'.repeat(450_000);
    await sink.write([{ id: '1', time: Date.now(), stream: 'stderr', text: 'boom' }, { id: '2', time: Date.now(), stream: 'system', text: long }]);
    const got = await readAll(a);
    expect(got[0]).toMatchObject({ id: '1', stream: 'stderr', text: 'boom' });
    expect(got.slice(1).map((e) => e.id)).toEqual(['2.0', '2.1', '2.2']);
    expect(got.slice(1).map((e) => e.text).join('')).toBe(long);
    expect(await readAll(job('odd-hawk-1,train,0', 'other/repo'))).toEqual([]);
    expect(await readAll(job('odd-hawk-1_train_0'))).toEqual([]);
  });

  it('names the action when the credentials are refused', async () => {
    const bad = new CloudLogging(new GcpHttp(async () => 'nope', FAST_RETRY), st.endpoint, st.project, 'b');
    await expect(readAll(job('x,y,0'))).resolves.toEqual([]);
    const err = await (async () => {
      for await (const _ of bad.read(job('x,y,0'))) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credentials', message: expect.stringContaining('logging.logEntries.list') });
  });
});
