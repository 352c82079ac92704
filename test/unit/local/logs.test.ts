import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEvent, LogReadOptions } from '../../../main/core/backend';
import type { Job } from '../../../main/common/job';
import { LocalLogs } from '../../../main/backends/local/logs';

let dir: string;
let logs: LocalLogs;
const job = { id: 'brave-fox-1,hello,0', repo: 'me/project' } as Job;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-logs-'));
  logs = new LocalLogs(join(dir, 'logs'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ev = (text: string, stream: LogEvent['stream'] = 'stdout'): LogEvent => ({ id: '', time: Date.now(), stream, text });

async function collect(opts?: LogReadOptions): Promise<LogEvent[][]> {
  const batches: LogEvent[][] = [];
  for await (const b of logs.read(job, opts)) batches.push(b);
  return batches;
}

describe('LocalLogs', () => {
  it('appends one JSON line per event at logs/{repo}/{jobId}.jsonl, numbering them in order', async () => {
    const sink = await logs.open(job);
    await sink.write([ev('first'), ev('oops', 'stderr')]);
    await sink.write([ev('third')]);
    await sink.close();
    const file = join(dir, 'logs', 'me', 'project', 'brave-fox-1,hello,0.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as LogEvent);
    expect(lines.map((l) => [l.id, l.stream, l.text])).toEqual([
      ['000000000001', 'stdout', 'first'],
      ['000000000002', 'stderr', 'oops'],
      ['000000000003', 'stdout', 'third'],
    ]);
    expect(typeof lines[0]?.time).toBe('number');
    const read = (await collect()).flat();
    expect(read).toEqual(lines);
  });

  it('continues the numbering when the log is reopened, and mends a line torn by a crash', async () => {
    const sink = await logs.open(job);
    await sink.write([ev('a'), ev('b')]);
    await sink.close();
    await appendFile(logs.pathOf(job), '{"id":"000000000003","ti');
    const again = await logs.open(job);
    await again.write([ev('c')]);
    await again.close();
    const read = (await collect()).flat();
    expect(read.map((e) => [e.id, e.text])).toEqual([
      ['000000000001', 'a'],
      ['000000000002', 'b'],
      ['000000000003', 'c'],
    ]);
  });

  it('keeps the order of concurrent writes from one sink', async () => {
    const sink = await logs.open(job);
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.write([ev(`line ${i}`)])));
    await sink.close();
    const read = (await collect()).flat();
    expect(read.map((e) => e.text)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    expect(read.map((e) => e.id)).toEqual([...read.map((e) => e.id)].sort());
  });

  it('streams a large log in bounded batches, intact across chunk boundaries', async () => {
    const sink = await logs.open(job);
    // Multi-byte characters make chunk boundaries fall inside characters and lines.
    const text = 'ünïcødé ✓ '.repeat(30);
    for (let b = 0; b < 40; b++) await sink.write(Array.from({ length: 500 }, (_, i) => ev(`${b * 500 + i} ${text}`)));
    await sink.close();
    let count = 0;
    let batches = 0;
    let maxBatch = 0;
    for await (const batch of logs.read(job)) {
      for (const e of batch) {
        expect(e.text).toBe(`${count} ${text}`);
        count++;
      }
      batches++;
      maxBatch = Math.max(maxBatch, batch.length);
    }
    expect(count).toBe(20_000);
    expect(batches).toBeGreaterThan(10);
    expect(maxBatch).toBeLessThan(2000);
  });

  it('reads nothing for a job that has no log yet', async () => {
    expect(await collect()).toEqual([]);
  });

  it('follows a log while another writer appends, and stops once the job is done and the log drained', async () => {
    let done = false;
    const writer = (async () => {
      const sink = await logs.open(job);
      for (let i = 0; i < 30; i++) {
        await sink.write([ev(`tick ${i}`)]);
        await new Promise((r) => setTimeout(r, 10));
      }
      // The last lines land between two isDone checks: they must still be read.
      await sink.write([ev('last'), ev('really last')]);
      await sink.close();
      done = true;
    })();
    const seen: string[] = [];
    let doneAtFirstBatch: boolean | undefined;
    for await (const batch of logs.read(job, { follow: true, isDone: async () => done })) {
      doneAtFirstBatch ??= done;
      seen.push(...batch.map((e) => e.text));
    }
    await writer;
    // The first batch arrived while the job was still writing: the log was live.
    expect(doneAtFirstBatch).toBe(false);
    expect(seen).toEqual([...Array.from({ length: 30 }, (_, i) => `tick ${i}`), 'last', 'really last']);
  });

  it('reads the lines written between its last read and the moment the job is seen done', async () => {
    const sink = await logs.open(job);
    await sink.write([ev('early')]);
    let checks = 0;
    const isDone = async () => {
      if (++checks < 3) return false;
      // The runner's last lines and its terminal status land during this very check.
      await sink.write([ev('late 1'), ev('late 2')]);
      await sink.close();
      return true;
    };
    const read = (await collect({ follow: true, isDone })).flat();
    expect(read.map((e) => e.text)).toEqual(['early', 'late 1', 'late 2']);
  });

  it('waits for a log file that does not exist yet', async () => {
    let done = false;
    setTimeout(async () => {
      const sink = await logs.open(job);
      await sink.write([ev('hello')]);
      await sink.close();
      done = true;
    }, 150);
    const read = (await collect({ follow: true, isDone: async () => done })).flat();
    expect(read.map((e) => e.text)).toEqual(['hello']);
  });

  it('stops following quietly when the reader aborts', async () => {
    const sink = await logs.open(job);
    await sink.write([ev('only')]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const read = (await collect({ follow: true, isDone: async () => false, signal: ac.signal })).flat();
    await sink.close();
    expect(read.map((e) => e.text)).toEqual(['only']);
    expect(ac.signal.aborted).toBe(true);
  });

  it('skips lines that are not events rather than failing the read', async () => {
    await logs.open(job).then((s) => s.close());
    await writeFile(logs.pathOf(job), '{"id":"000000000001","time":1,"stream":"stdout","text":"ok"}\nnot json\n{"id":2}\n');
    expect((await collect()).flat().map((e) => e.text)).toEqual(['ok']);
  });
});
