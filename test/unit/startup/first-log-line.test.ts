// A job's first line reaches its log at once: a follower (`dstack run`, the
// app's log pane) shows nothing until it is written, so batching must not
// hold it back. Later lines still go out in batches, at most one per flushMs.
// Fake timers: what is asserted is which timer writes a line, not how long it took.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogEvent, LogSink } from '../../../main/core/backend';
import { LogWriter } from '../../../main/runner/log-writer';

class MemorySink implements LogSink {
  batches: string[][] = [];
  async write(events: LogEvent[]): Promise<void> {
    this.batches.push(events.map((e) => e.text));
  }
  async close(): Promise<void> {}
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('log writer batching', () => {
  it('writes the first line without waiting for the batch interval', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink, { flushMs: 100 });
    w.push('stdout', 'first');
    w.push('stdout', 'same chunk');
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches).toEqual([['first', 'same chunk']]);
  });

  it('still batches a steady stream: a line right after a write waits for the rest of the interval', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink, { flushMs: 100 });
    w.push('stdout', 'one');
    await vi.advanceTimersByTimeAsync(1);
    w.push('stdout', 'two');
    await vi.advanceTimersByTimeAsync(30);
    w.push('stdout', 'three');
    await vi.advanceTimersByTimeAsync(30);
    expect(sink.batches).toEqual([['one']]);
    await vi.advanceTimersByTimeAsync(40);
    expect(sink.batches).toEqual([['one'], ['two', 'three']]);
  });

  it('writes a line after a quiet spell at once', async () => {
    const sink = new MemorySink();
    const w = new LogWriter(sink, { flushMs: 100 });
    w.push('stdout', 'one');
    await vi.advanceTimersByTimeAsync(500);
    w.push('stdout', 'later');
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches).toEqual([['one'], ['later']]);
  });
});
