import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogEvent, LogSink } from '../../../main/core/backend';
import { LogWriter, pumpLines } from '../../../main/runner/log-writer';

class MemorySink implements LogSink {
  batches: LogEvent[][] = [];
  constructor(private readonly delayMs = 0) {}
  async write(events: LogEvent[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.batches.push(events);
  }
  async close(): Promise<void> {}
  get events(): LogEvent[] {
    return this.batches.flat();
  }
}

describe('log writer', () => {
  it('splits output into timestamped lines, in order, across chunk boundaries', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink);
    await pumpLines(Readable.from([Buffer.from('one\ntw'), Buffer.from('o\r\nthree')]), 'stdout', w);
    await w.close();
    expect(sink.events.map((e) => e.text)).toEqual(['one', 'two', 'three']);
    const ids = sink.events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(sink.events.every((e) => e.stream === 'stdout' && e.time > 0)).toBe(true);
  });

  it('masks every secret value, the longest first', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink);
    w.setMasks(['abc', 'abcdef', '']);
    w.push('stdout', 'token=abcdef and abc');
    await w.close();
    expect(sink.events[0]?.text).toBe('token=*** and ***');
  });

  it('batches lines instead of writing one at a time', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink, { flushMs: 50 });
    for (let i = 0; i < 500; i++) w.push('stdout', `line ${i}`);
    await w.close();
    expect(sink.events).toHaveLength(500);
    expect(sink.batches.length).toBeLessThan(5);
  });

  it('cuts a line with no newline at maxLineBytes', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink, { maxLineBytes: 10 });
    await pumpLines(Readable.from([Buffer.from('x'.repeat(25))]), 'stderr', w);
    await w.close();
    expect(sink.events.map((e) => e.text.length)).toEqual([10, 10, 5]);
  });

  it('pauses a fast producer while a slow sink catches up, so memory stays bounded', async () => {
    const sink = new MemorySink(5);
    const highWaterBytes = 64 * 1024;
    const w = new LogWriter(sink, { highWaterBytes });
    let maxPending = 0;
    const line = `${'y'.repeat(99)}\n`;
    const chunks = (function* () {
      for (let i = 0; i < 2000; i++) yield Buffer.from(line.repeat(100)); // 20 MB in all
    })();
    const source = Readable.from(chunks);
    const probe = setInterval(() => {
      maxPending = Math.max(maxPending, (w as unknown as { pendingBytes: number }).pendingBytes);
    }, 1);
    await pumpLines(source, 'stdout', w);
    clearInterval(probe);
    await w.close();
    expect(sink.events).toHaveLength(200_000);
    // One chunk may land on top of a full backlog, never more.
    expect(maxPending).toBeLessThan(highWaterBytes + 100 * (100 + 64));
  }, 60_000);
});
