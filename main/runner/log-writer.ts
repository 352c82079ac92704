/**
 * Turns a job's output into log events: split into lines, timestamped,
 * secrets masked, written in batches about every 100 ms. It applies
 * backpressure: when more than `highWaterBytes` wait to be written, `push`
 * returns false and the caller pauses its pipe until `drained()`, so a job
 * printing 100 MB blocks on its own stdout instead of filling our memory.
 * One batch is written while the next fills, so the sink's latency does
 * not stall the job.
 */
import type { LogEvent, LogSink } from '../core/backend';

export interface LogWriterOptions {
  flushMs?: number;
  highWaterBytes?: number;
  /** Longer lines are cut, so one line without a newline cannot grow without bound. */
  maxLineBytes?: number;
}

export const MASK = '***';

export class LogWriter {
  private pending: LogEvent[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private masks: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];
  private failure: unknown;
  private readonly flushMs: number;
  private readonly highWater: number;
  readonly maxLineBytes: number;

  constructor(private readonly sink: LogSink, opts: LogWriterOptions = {}) {
    this.flushMs = opts.flushMs ?? 100;
    this.highWater = opts.highWaterBytes ?? 1024 * 1024;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
  }

  /** Values to replace by `***` in every later line; longest first so a secret containing another is masked whole. */
  setMasks(values: Iterable<string>): void {
    this.masks = [...new Set([...values].filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const m of this.masks) out = out.split(m).join(MASK);
    return out;
  }

  /** Queues one line; false means "pause the producer until drained()". */
  push(stream: LogEvent['stream'], text: string): boolean {
    if (this.failure) throw this.failure;
    const event: LogEvent = { id: String(++this.seq).padStart(12, '0'), time: Date.now(), stream, text: this.mask(text) };
    this.pending.push(event);
    this.pendingBytes += event.text.length + 64;
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    if (this.pendingBytes < this.highWater) return true;
    void this.flush();
    return false;
  }

  /** A line from the runner itself (status, errors), shown in the same log. */
  system(text: string): void {
    this.push('system', text);
  }

  /** Resolves when the backlog is below the high-water mark again. */
  drained(): Promise<void> {
    if (this.pendingBytes < this.highWater) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes everything queued so far, one batch at a time, in order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(async () => {
      if (!this.pending.length) return;
      const batch = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      // The producer refills the next batch while this one is written: at most two batches in memory.
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
      try {
        await this.sink.write(batch);
      } catch (err) {
        this.failure = err;
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.sink.close();
    if (this.failure) throw this.failure;
  }
}

/**
 * Splits a byte stream into lines for a LogWriter and pauses the stream
 * while the writer is over its high-water mark. Resolves when the stream ends.
 */
export function pumpLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', writer: LogWriter): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let rest = '';
    const emit = (line: string): boolean => {
      let ok = true;
      for (let i = 0; i < line.length || i === 0; i += writer.maxLineBytes) {
        ok = writer.push(name, line.slice(i, i + writer.maxLineBytes).replace(/\r$/, '')) && ok;
      }
      return ok;
    };
    stream.on('data', (chunk: Buffer) => {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      let ok = true;
      for (const line of lines) ok = emit(line) && ok;
      if (rest.length > writer.maxLineBytes) {
        ok = emit(rest) && ok;
        rest = '';
      }
      if (!ok) {
        stream.pause();
        void writer.drained().then(() => stream.resume());
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      rest += decoder.decode();
      if (rest) emit(rest);
      resolve();
    });
  });
}
