/**
 * Job logs in Cloud Logging: one log per job (names.ts), written by the
 * runner with entries:write and read with entries:list, filtered to the log
 * and to a timestamp window, oldest first. As with CloudWatch, entries may
 * become visible a little after they were written, so a follower re-reads a
 * look-back window on each poll and drops the entries it has already
 * yielded (by the runner's event id, which is also the entry's insertId).
 * How long an entry takes to show is not bounded by our poll interval, and
 * entries need not show in the order they were written, so an ended job
 * and an empty pass do not make a log complete: closing the runner's sink
 * writes one end entry that counts the entries before it, and a follower
 * ends once it has read that many. A runner that never closed its sink (a
 * lost VM) leaves no end entry; its log counts as complete once the job has
 * ended and nothing new has shown for `settleMs` (core/log-completion.ts).
 *
 * Plain REST (http.ts) rather than @google-cloud/logging: that library's
 * gRPC stack would outweigh the rest of the runner bundle.
 */
import { batchesOf, sleep } from '../../node/waits';
import type { LogEvent, LogReadOptions, Logs, LogSink } from '../../core/backend';
import { LOG_SETTLE_MS, LogCompletion } from '../../core/log-completion';
import type { Job } from '../../common/job';
import type { GcpHttp } from './http';
import { isStatus } from './http';
import { gcpNames } from './names';

/** entries:write takes 10 MB a call; we stay well under it, and under 1,000 entries. */
const MAX_BATCH_ENTRIES = 1000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Entries are at most 256 KB; longer lines are split. */
const MAX_TEXT_BYTES = 200_000;
const LOOKBACK_MS = 5 * 60_000;
const PAGE_SIZE = 1000;
/** The insertId of the entry that closes a log; the runner's own ids are digits. */
const END_ID = 'dstack-end-of-log';

export interface CloudLoggingOptions {
  /** Wait between polls while following. */
  pollMs?: number;
  /** How far back each poll re-reads, for entries that become visible late. */
  lookbackMs?: number;
  /** After the job has ended, how long a log without an end entry is read on, with nothing new, before it counts as complete. */
  settleMs?: number;
}

interface Entry {
  insertId?: string;
  timestamp?: string;
  jsonPayload?: { id?: unknown; stream?: unknown; text?: unknown; entries?: unknown };
  textPayload?: string;
}

function toEntries(events: LogEvent[]): Entry[] {
  const out: Entry[] = [];
  for (const e of events) {
    const bytes = Buffer.from(e.text, 'utf8');
    if (bytes.length <= MAX_TEXT_BYTES) {
      out.push(entry(e));
      continue;
    }
    for (let i = 0, n = 0; i < bytes.length; i += MAX_TEXT_BYTES, n++) {
      out.push(entry({ ...e, id: `${e.id}.${n}`, text: bytes.subarray(i, i + MAX_TEXT_BYTES).toString('utf8') }));
    }
  }
  return out;
}

function entry(e: LogEvent): Entry {
  return { insertId: e.id, timestamp: new Date(e.time).toISOString(), jsonPayload: { id: e.id, stream: e.stream, text: e.text } };
}

/** The count an end entry carries, or undefined for any other entry. */
function endCount(en: Entry): number | undefined {
  const n = en.insertId === END_ID ? en.jsonPayload?.entries : undefined;
  return typeof n === 'number' ? n : undefined;
}

function fromEntry(en: Entry): LogEvent {
  const p = en.jsonPayload ?? {};
  const time = en.timestamp ? Date.parse(en.timestamp) : 0;
  const stream = p.stream === 'stderr' || p.stream === 'system' ? p.stream : 'stdout';
  const id = typeof p.id === 'string' ? p.id : (en.insertId ?? `${time}`);
  return { id, time, stream, text: typeof p.text === 'string' ? p.text : (en.textPayload ?? '') };
}

/** What a reader has read so far: the entries yielded in the look-back window, the newest time, and, in `completion`, how many in all and the end entries' counts. */
interface ReadState {
  seen: Map<string, number>;
  newest: number;
  completion: LogCompletion;
}

export class CloudLogging implements Logs {
  private readonly pollMs: number;
  private readonly lookbackMs: number;
  private readonly settleMs: number;

  constructor(
    private readonly http: GcpHttp,
    private readonly endpoint: string,
    private readonly project: string,
    private readonly bucket: string,
    opts: CloudLoggingOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2_000;
    this.lookbackMs = opts.lookbackMs ?? LOOKBACK_MS;
    this.settleMs = opts.settleMs ?? LOG_SETTLE_MS;
  }

  private logName(job: Job): string {
    return `projects/${this.project}/logs/${encodeURIComponent(gcpNames.jobLog(this.bucket, job.repo, job.id))}`;
  }

  /**
   * The runner's side: needs logging.logEntries.create. A log exists once it
   * has an entry; nothing to create first. Closing writes the end entry,
   * after every line, with the number of entries written, so a follower
   * knows when it has them all.
   */
  async open(job: Job): Promise<LogSink> {
    const logName = this.logName(job);
    const resource = { type: 'global', labels: { project_id: this.project } };
    const send = (entries: Entry[]): Promise<unknown> =>
      this.http.call({ action: 'logging.logEntries.create', resource: logName, method: 'POST', url: `${this.endpoint}/v2/entries:write`, json: { logName, resource, entries }, idempotent: true });
    let chain = Promise.resolve();
    let written = 0;
    let closed: Promise<void> | undefined;
    return {
      write: (events: LogEvent[]): Promise<void> => {
        // Serialized, so the batches land in order; a resent batch is harmless (same insertId and time).
        chain = chain.then(async () => {
          for (const entries of batchesOf(toEntries(events), MAX_BATCH_ENTRIES, MAX_BATCH_BYTES, (e) => Buffer.byteLength(JSON.stringify(e)))) {
            await send(entries);
            written += entries.length;
          }
        });
        return chain;
      },
      close: () =>
        (closed ??= chain.then(async () => {
          await send([{ insertId: END_ID, timestamp: new Date().toISOString(), jsonPayload: { entries: written } }]);
        })),
    };
  }

  /** One full pass from `since`: every page; yields the entries not seen before, and notes the end entry. */
  private async *drain(logName: string, since: number, state: ReadState, signal?: AbortSignal): AsyncGenerator<LogEvent[]> {
    const filter = `logName="${logName}" AND timestamp>="${new Date(since).toISOString()}"`;
    let pageToken: string | undefined;
    do {
      if (signal?.aborted) return;
      let page: { entries?: Entry[]; nextPageToken?: string };
      try {
        page = await this.http.json({
          action: 'logging.logEntries.list',
          resource: logName,
          method: 'POST',
          url: `${this.endpoint}/v2/entries:list`,
          json: { resourceNames: [`projects/${this.project}`], filter, orderBy: 'timestamp asc', pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
          idempotent: true,
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        if (signal?.aborted) return;
        // A log nobody has written to yet is simply empty.
        if (isStatus(err, 404)) return;
        throw err;
      }
      const fresh: LogEvent[] = [];
      for (const en of page.entries ?? []) {
        const count = endCount(en);
        if (count !== undefined) {
          state.completion.ended(en.timestamp ?? '', count);
          continue;
        }
        const ev = fromEntry(en);
        if (state.seen.has(ev.id)) continue;
        state.seen.set(ev.id, ev.time);
        if (ev.time > state.newest) state.newest = ev.time;
        fresh.push(ev);
      }
      state.completion.counted(fresh.length);
      if (fresh.length) yield fresh;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /**
   * Batches in order. Following, it polls until the job has ended and the
   * log is complete: as many entries read as the end entry counts, or, with
   * no end entry, nothing new shown for `settleMs` since the job ended.
   */
  async *read(job: Job, opts: LogReadOptions = {}): AsyncIterable<LogEvent[]> {
    const logName = this.logName(job);
    let since = Math.max(0, (job.submittedAt ?? 0) - this.lookbackMs);
    const state: ReadState = { seen: new Map(), newest: since, completion: new LogCompletion(this.settleMs, job.finishedAt) };
    for (;;) {
      const done = !opts.follow || (opts.isDone ? await opts.isDone() : true);
      yield* this.drain(logName, since, state, opts.signal);
      if (opts.signal?.aborted || !opts.follow) return;
      if (state.completion.passEnded(done)) return;
      since = Math.max(since, state.newest - this.lookbackMs);
      for (const [id, t] of state.seen) if (t < since) state.seen.delete(id);
      await sleep(this.pollMs, opts.signal);
    }
  }
}
