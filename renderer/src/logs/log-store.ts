/**
 * Log lines kept outside React: a million lines as React state would copy
 * arrays and re-render on every batch. Lines go into fixed-size chunks of
 * parallel arrays (text, time, stream), appended only; past the cap whole
 * chunks fall off the head, so memory stays bounded and the tail is kept.
 * The pane reads by index and re-renders at most once a frame.
 */
import type { LogEvent } from '../../../main/common/api/operations';

const CHUNK = 4096;
export const DEFAULT_CAP = 1_000_000;

const STREAMS = ['stdout', 'stderr', 'system'] as const;
export type LogStream = (typeof STREAMS)[number];

interface Chunk {
  texts: string[];
  times: Float64Array;
  streams: Uint8Array;
}

export interface LogLine {
  text: string;
  time: number;
  stream: LogStream;
}

function newChunk(): Chunk {
  return { texts: [], times: new Float64Array(CHUNK), streams: new Uint8Array(CHUNK) };
}

export class LogStore {
  private chunks: Chunk[] = [];
  /** Lines dropped from the head; the first kept line's absolute number. */
  private dropped = 0;
  /** Lines already dropped from the start of the head chunk. */
  private headSkip = 0;
  private appended = 0;
  private listeners = new Set<() => void>();
  /** Bumped on every change so `useSyncExternalStore` sees a new snapshot. */
  version = 0;

  constructor(readonly cap: number = DEFAULT_CAP) {
    if (cap < 1) throw new RangeError('cap must be at least 1');
  }

  /** Lines currently held (at most about `cap`). */
  get size(): number {
    return this.appended - this.dropped;
  }

  /** Every line ever appended, including those dropped past the cap. */
  get total(): number {
    return this.appended;
  }

  /** True once lines have been dropped: the full log is only in the saved file. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  append(events: readonly LogEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      let last = this.chunks[this.chunks.length - 1];
      if (!last || last.texts.length === CHUNK) this.chunks.push((last = newChunk()));
      const i = last.texts.length;
      last.texts.push(e.text);
      last.times[i] = e.time;
      last.streams[i] = Math.max(0, STREAMS.indexOf(e.stream));
    }
    this.appended += events.length;
    this.trim();
    this.changed();
  }

  /** The i-th kept line (0 = oldest kept). */
  line(i: number): LogLine | undefined {
    if (i < 0 || i >= this.size) return undefined;
    const offset = this.headSkip + i;
    const chunk = this.chunks[Math.floor(offset / CHUNK)];
    const j = offset % CHUNK;
    const text = chunk?.texts[j];
    if (!chunk || text === undefined) return undefined;
    return { text, time: chunk.times[j] ?? 0, stream: STREAMS[chunk.streams[j] ?? 0] ?? 'stdout' };
  }

  clear(): void {
    this.chunks = [];
    this.dropped = 0;
    this.headSkip = 0;
    this.appended = 0;
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drops lines from the head while over the cap: whole chunks go at once;
   * in a partly dropped head chunk the gone lines are blanked so their
   * strings can be collected, and `headSkip` marks where the kept ones start.
   */
  private trim(): void {
    let excess = this.size - this.cap;
    while (excess > 0) {
      const head = this.chunks[0];
      if (!head) break;
      const left = head.texts.length - this.headSkip;
      if (left <= excess && this.chunks.length > 1) {
        this.chunks.shift();
        this.headSkip = 0;
        this.dropped += left;
        excess -= left;
      } else {
        const n = Math.min(excess, left);
        head.texts.fill('', this.headSkip, this.headSkip + n);
        this.headSkip += n;
        this.dropped += n;
        excess -= n;
      }
    }
  }

  private changed(): void {
    this.version += 1;
    for (const l of this.listeners) l();
  }
}
