/**
 * Job logs in Cloud Logging: one log per job (names.ts), written by the
 * runner with entries:write and read with entries:list, filtered to the log
 * and to a timestamp window, oldest first. As with CloudWatch, entries may
 * become visible a little after they were written, so a follower re-reads a
 * look-back window on each poll and drops the entries it has already
 * yielded (by the runner's event id, which is also the entry's insertId);
 * once the job has ended, one more full pass must come back empty before
 * the log counts as complete.
 *
 * Plain REST (http.ts) rather than @google-cloud/logging: that library's
 * gRPC stack would outweigh the rest of the runner bundle.
 */
import { batchesOf, sleep } from '../../node/waits';
import type { LogEvent, LogReadOptions, Logs, LogSink } from '../../core/backend';
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

export interface CloudLoggingOptions {
  /** Wait between polls while following. */
  pollMs?: number;
  /** How far back each poll re-reads, for entries that become visible late. */
  lookbackMs?: number;
}

interface Entry {
  insertId?: string;
  timestamp?: string;
  jsonPayload?: { id?: unknown; stream?: unknown; text?: unknown };
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

function fromEntry(en: Entry): LogEvent {
  const p = en.jsonPayload ?? {};
  const time = en.timestamp ? Date.parse(en.timestamp) : 0;
  const stream = p.stream === 'stderr' || p.stream === 'system' ? p.stream : 'stdout';
  const id = typeof p.id === 'string' ? p.id : (en.insertId ?? `${time}`);
  return { id, time, stream, text: typeof p.text === 'string' ? p.text : (en.textPayload ?? '') };
}



export class CloudLogging implements Logs {
  private readonly pollMs: number;
  private readonly lookbackMs: number;

  constructor(
    private readonly http: GcpHttp,
    private readonly endpoint: string,
    private readonly project: string,
    private readonly bucket: string,
    opts: CloudLoggingOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2_000;
    this.lookbackMs = opts.lookbackMs ?? LOOKBACK_MS;
  }

  private logName(job: Job): string {
    return `projects/${this.project}/logs/${encodeURIComponent(gcpNames.jobLog(this.bucket, job.repo, job.id))}`;
  }

  /** The runner's side: needs logging.logEntries.create. A log exists once it has an entry; nothing to create first. */
  async open(job: Job): Promise<LogSink> {
    const logName = this.logName(job);
    const resource = { type: 'global', labels: { project_id: this.project } };
    let chain = Promise.resolve();
    return {
      write: (events: LogEvent[]): Promise<void> => {
        // Serialized, so the batches land in order; a resent batch is harmless (same insertId and time).
        chain = chain.then(async () => {
          for (const entries of batchesOf(toEntries(events), MAX_BATCH_ENTRIES, MAX_BATCH_BYTES, (e) => Buffer.byteLength(JSON.stringify(e)))) {
            await this.http.call({ action: 'logging.logEntries.create', resource: logName, method: 'POST', url: `${this.endpoint}/v2/entries:write`, json: { logName, resource, entries }, idempotent: true });
          }
        });
        return chain;
      },
      close: () => chain,
    };
  }

  /** One full pass from `since`: every page; yields the entries not seen before. */
  private async *drain(logName: string, since: number, seen: Map<string, number>, signal?: AbortSignal): AsyncGenerator<LogEvent[]> {
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
        const ev = fromEntry(en);
        if (seen.has(ev.id)) continue;
        seen.set(ev.id, ev.time);
        fresh.push(ev);
      }
      if (fresh.length) yield fresh;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async *read(job: Job, opts: LogReadOptions = {}): AsyncIterable<LogEvent[]> {
    const logName = this.logName(job);
    let since = Math.max(0, (job.submittedAt ?? 0) - this.lookbackMs);
    const seen = new Map<string, number>();
    let newest = since;
    let doneSeen = false;
    for (;;) {
      const done = !opts.follow || (opts.isDone ? await opts.isDone() : true);
      let found = 0;
      for await (const batch of this.drain(logName, since, seen, opts.signal)) {
        found += batch.length;
        for (const e of batch) if (e.time > newest) newest = e.time;
        yield batch;
      }
      if (opts.signal?.aborted || !opts.follow) return;
      if (done && doneSeen && found === 0) return;
      doneSeen = done;
      since = Math.max(since, newest - this.lookbackMs);
      for (const [id, t] of seen) if (t < since) seen.delete(id);
      await sleep(this.pollMs, opts.signal);
    }
  }
}
