/**
 * Turns a job's output into log events: secrets masked (on the raw stream,
 * see mask.ts), split into lines, timestamped, written in batches at most
 * every 100 ms; a line that comes after a quiet spell (the job's first line
 * above all) is written at once, since a follower sees nothing until it is. The job's output is capped (`capBytes`): past the cap one
 * closing line says so and the rest is discarded while the job runs on;
 * the runner's own lines are never capped. It applies
 * backpressure: when more than `highWaterBytes` wait to be written, `push`
 * returns false and the caller pauses its pipe until `drained()`, so a job
 * printing 100 MB blocks on its own stdout instead of filling our memory.
 * One batch is written while the next fills, so the sink's latency does
 * not stall the job.
 */
import type { LogEvent, LogSink } from '../core/backend';
import { Masker } from './mask';

export interface LogWriterOptions {
  flushMs?: number;
  highWaterBytes?: number;
  /** Longer lines are cut, so one line without a newline cannot grow without bound. */
  maxLineBytes?: number;
  /** Most bytes of job output (text plus one per line) stored per job; default 100 MB. */
  capBytes?: number;
  /** How to raise the cap, for the closing line: "Raise it with …". */
  capHint?: string;
}

export { MASK } from './mask';

export const DEFAULT_LOG_CAP_BYTES = 100 * 1024 * 1024;

export class LogWriter {
  private pending: LogEvent[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private readonly masker = new Masker();
  private outputBytes = 0;
  private capped = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the last batch was taken for writing; 0 before the first. */
  private lastFlushAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];
  private failure: unknown;
  private readonly flushMs: number;
  private readonly highWater: number;
  readonly maxLineBytes: number;
  private readonly capBytes: number;
  private readonly capHint: string | undefined;

  constructor(private readonly sink: LogSink, opts: LogWriterOptions = {}) {
    this.flushMs = opts.flushMs ?? 100;
    this.highWater = opts.highWaterBytes ?? 1024 * 1024;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.capBytes = opts.capBytes ?? DEFAULT_LOG_CAP_BYTES;
    this.capHint = opts.capHint;
  }

  /** Secret values to replace by `***` in every later line, whole and line by line. */
  setMasks(values: Iterable<string>): void {
    this.masker.set(values);
  }

  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** The stream masker for {@link pumpLines}: the raw output is masked before it is split into lines. */
  get streamMasker(): Masker {
    return this.masker;
  }

  /** Queues one line; false means "pause the producer until drained()". */
  push(stream: LogEvent['stream'], text: string): boolean {
    return this.pushMasked(stream, this.mask(text));
  }

  /** Queues one line whose secrets are already masked; job output past the cap is dropped. */
  pushMasked(stream: LogEvent['stream'], text: string): boolean {
    if (this.failure) throw this.failure;
    if (stream !== 'system') {
      if (this.capped) return true;
      this.outputBytes += Buffer.byteLength(text) + 1;
      if (this.outputBytes > this.capBytes) {
        this.capped = true;
        const mb = Math.round((this.capBytes / (1024 * 1024)) * 100) / 100;
        return this.pushMasked('system', `Log cap of ${mb} MB reached; further output is discarded.${this.capHint ? ` Raise it with ${this.capHint}.` : ''}`);
      }
    }
    const event: LogEvent = { id: String(++this.seq).padStart(12, '0'), time: Date.now(), stream, text };
    this.pending.push(event);
    this.pendingBytes += event.text.length + 64;
    // Written once flushMs has passed since the last batch: at once after a quiet spell. Lines pushed in the same turn (one chunk of output) share a batch.
    this.timer ??= setTimeout(() => void this.flush(), Math.max(0, this.lastFlushAt + this.flushMs - Date.now()));
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
      this.lastFlushAt = Date.now();
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
 * while the writer is over its high-water mark. Secrets are masked on the
 * raw text first, so neither the split nor the cut at `maxLineBytes` can
 * break a secret into pieces that no longer match. Resolves when the stream ends.
 */
export function pumpLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', writer: LogWriter): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    const max = writer.maxLineBytes;
    const masker = writer.streamMasker;
    /** Raw text that may begin a secret still arriving. */
    let raw = '';
    /** The masked start of a line whose end has not arrived. */
    let line = '';
    const feed = (text: string, ended: boolean): boolean => {
      const { masked, rest } = masker.take(raw + text, ended);
      raw = rest;
      const lines = (line + masked).split('\n');
      line = lines.pop() ?? '';
      let ok = true;
      for (const l of lines) {
        const whole = l.endsWith('\r') ? l.slice(0, -1) : l;
        for (let i = 0; i < whole.length || i === 0; i += max) ok = writer.pushMasked(name, whole.slice(i, i + max)) && ok;
      }
      // A line with no newline yet is cut at the limit, so it cannot grow without bound.
      while (line.length > max || (ended && line)) {
        ok = writer.pushMasked(name, line.slice(0, max)) && ok;
        line = line.slice(max);
      }
      return ok;
    };
    stream.on('data', (chunk: Buffer) => {
      if (!feed(decoder.decode(chunk, { stream: true }), false)) {
        stream.pause();
        void writer.drained().then(() => stream.resume());
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      feed(decoder.decode(), true);
      resolve();
    });
  });
}
