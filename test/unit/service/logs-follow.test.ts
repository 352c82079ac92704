// The batching of a followed log. The source stands in for core's
// RunService.logs and yields one line every 2 ms, faster than any real
// backend here reads, so the test sees what the service itself does.
import { describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../../main/common/api/operations';
import type { LogEvent } from '../../../main/core/backend';
import type { RunService } from '../../../main/core/runs';
import { EventHub } from '../../../main/service/events';
import { FLUSH_MS, MAX_BATCH, followLogs } from '../../../main/service/logs-follow';

const line = (i: number): LogEvent => ({ id: String(i).padStart(8, '0'), time: Date.now(), stream: 'stdout', text: `line ${i}` });

function source(batches: () => AsyncGenerator<LogEvent[]>): RunService {
  return { logs: async () => batches() } as unknown as RunService;
}

function collect(hub: EventHub): { at: number; payload: ApiEvents['logs.lines'] }[] {
  const seen: { at: number; payload: ApiEvents['logs.lines'] }[] = [];
  hub.listen((event, payload) => {
    if (event === 'logs.lines') seen.push({ at: Date.now(), payload: payload as ApiEvents['logs.lines'] });
  });
  return seen;
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('log follow', () => {
  it('gathers lines that trickle in into one event per ~75 ms, in order, then a final done', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    await followLogs(hub, source(async function* () {
      for (let i = 1; i <= 300; i++) {
        yield [line(i)];
        await new Promise((r) => setTimeout(r, 2));
      }
    }), 'repo', 'run-a-1');
    await until(() => seen.some((s) => s.payload.done));
    const texts = seen.flatMap((s) => s.payload.lines.map((l) => l.text));
    expect(texts).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i + 1}`));
    const span = seen.at(-1)!.at - seen[0]!.at;
    expect(seen.length).toBeLessThan(300 / 5);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(span / FLUSH_MS) + 2);
    expect(seen.filter((s) => s.payload.done)).toHaveLength(1);
  });

  it('sends a large burst at once, in bounded events', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    await followLogs(hub, source(async function* () {
      yield Array.from({ length: MAX_BATCH * 2 + 10 }, (_, i) => line(i));
    }), 'repo', 'run-a-1');
    await until(() => seen.some((s) => s.payload.done));
    expect(seen.map((s) => [s.payload.lines.length, s.payload.done])).toEqual([
      [MAX_BATCH, false],
      [MAX_BATCH, false],
      [10, false],
      [0, true],
    ]);
  });

  it('stops reading when unsubscribed', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    let read = 0;
    const id = await followLogs(hub, source(async function* () {
      for (;;) {
        read++;
        yield [line(read)];
        await new Promise((r) => setTimeout(r, 5));
      }
    }), 'repo', 'run-a-1');
    await until(() => seen.length > 0);
    hub.unsubscribe(id);
    const after = read;
    await new Promise((r) => setTimeout(r, 100));
    expect(read - after).toBeLessThanOrEqual(1);
    expect(seen.some((s) => s.payload.done)).toBe(false);
  });

  it('tells the runs list to look again when the first lines arrive and when the log ends', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    const activity: string[] = [];
    let release!: () => void;
    const more = new Promise<void>((r) => (release = r));
    await followLogs(hub, source(async function* () {
      yield [];
      yield [line(1)];
      yield [line(2)];
      await more;
    }), 'repo', 'run-a-1', undefined, () => activity.push(`after ${seen.flatMap((s) => s.payload.lines).length} sent`));
    await until(() => activity.length === 1);
    expect(activity).toEqual(['after 0 sent']);
    release();
    await until(() => seen.some((s) => s.payload.done));
    expect(activity).toEqual(['after 0 sent', 'after 2 sent']);
  });
});
