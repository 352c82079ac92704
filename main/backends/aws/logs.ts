/**
 * Job logs in CloudWatch Logs: group `/dstack/jobs/{bucket}/{repo}`, one
 * stream per job. The runner writes with PutLogEvents through the instance
 * role (the seed policy does not give the app PutLogEvents, and the app
 * never writes logs). The app reads with FilterLogEvents only, the one read
 * the seed policy grants: it follows `nextToken` until it is gone, because
 * CloudWatch may return empty pages that still carry a token, dedupes by
 * the runner's event id and time (a resent batch is stored twice, with new
 * eventIds), and re-reads a short window on each poll for late arrivals.
 * How late is not bounded by the poll interval, so closing the runner's
 * sink writes an end event counting the events before it, and a follower
 * ends once it has read that many (core/log-completion.ts).
 */
import { batchesOf, sleep } from '../../node/waits';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchLogsClient, FilteredLogEvent, InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { LogEvent, LogReadOptions, Logs, LogSink } from '../../core/backend';
import { LOG_SETTLE_MS, LogCompletion } from '../../core/log-completion';
import type { Job } from '../../common/job';
import { aws, awsErrorCode, mapAwsError } from './errors';
import { names, streamSafe } from './names';

/** PutLogEvents limits: 10,000 events and 1 MiB per call, 26 bytes of overhead per event. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** Longer lines are split; CloudWatch refuses events over 256 KiB. */
const MAX_TEXT_BYTES = 200_000;
/** Each poll re-reads this far back, so events that become visible late are not skipped. */
const LOOKBACK_MS = 5 * 60_000;

export interface CloudWatchLogsOptions {
  /** Wait between polls while following. */
  pollMs?: number;
  /** After the job has ended, how long a log without an end event is read on, with nothing new, before it counts as complete. */
  settleMs?: number;
}

/** Stored message: the runner's event id and stream travel with the text. */
export function encodeEvent(e: LogEvent): string {
  return JSON.stringify({ id: e.id, stream: e.stream, text: e.text });
}

/** The end event's message: the number of events the sink wrote before it, and no text, so it never reads as a line. */
function encodeEnd(written: number): string {
  return JSON.stringify({ end: written });
}

/** The count an end event carries, or undefined for any other event. */
function endCount(ev: FilteredLogEvent): number | undefined {
  if (!ev.message?.startsWith('{"end":')) return undefined;
  try {
    const m = JSON.parse(ev.message) as { end?: unknown };
    return typeof m.end === 'number' ? m.end : undefined;
  } catch {
    return undefined;
  }
}

export function decodeEvent(ev: FilteredLogEvent): LogEvent {
  const fallback: LogEvent = { id: ev.eventId ?? '', time: ev.timestamp ?? 0, stream: 'stdout', text: ev.message ?? '' };
  try {
    const m = JSON.parse(ev.message ?? '') as Partial<LogEvent>;
    if (typeof m.text !== 'string' || typeof m.id !== 'string') return fallback;
    const stream = m.stream === 'stderr' || m.stream === 'system' ? m.stream : 'stdout';
    return { id: m.id, time: ev.timestamp ?? 0, stream, text: m.text };
  } catch {
    return fallback;
  }
}

function isExists(err: unknown): boolean {
  return awsErrorCode(err) === 'ResourceAlreadyExistsException';
}

function isMissing(err: unknown): boolean {
  return awsErrorCode(err) === 'ResourceNotFoundException';
}

/** Creates a log group; one that already exists is fine. */
export async function ensureLogGroup(client: CloudWatchLogsClient, group: string): Promise<void> {
  await aws({ action: 'logs:CreateLogGroup', resource: group }, async () => {
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    } catch (err) {
      if (!isExists(err)) throw err;
    }
  });
}

async function ensureLogStream(client: CloudWatchLogsClient, group: string, stream: string): Promise<void> {
  await aws({ action: 'logs:CreateLogStream', resource: `${group}:${stream}` }, async () => {
    try {
      await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    } catch (err) {
      if (!isExists(err)) throw err;
    }
  });
}

/** Splits over-long lines and orders by time, as PutLogEvents requires. */
function toInputEvents(events: LogEvent[]): InputLogEvent[] {
  const out: InputLogEvent[] = [];
  for (const e of events) {
    const bytes = Buffer.from(e.text, 'utf8');
    if (bytes.length <= MAX_TEXT_BYTES) {
      out.push({ timestamp: e.time, message: encodeEvent(e) });
      continue;
    }
    for (let i = 0, part = 0; i < bytes.length; i += MAX_TEXT_BYTES, part++) {
      const text = bytes.subarray(i, i + MAX_TEXT_BYTES).toString('utf8');
      out.push({ timestamp: e.time, message: encodeEvent({ ...e, id: `${e.id}.${part}`, text }) });
    }
  }
  return out.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/**
 * Events already yielded in the look-back window, and the newest timestamp
 * seen, kept as events arrive: a follower may see hundreds of thousands of
 * events, too many to spread into Math.max. `completion` counts them and
 * notes the end events.
 */
interface SeenEvents {
  ids: Map<string, number>;
  newest: number;
  completion: LogCompletion;
}

export class CloudWatchLogs implements Logs {
  private readonly pollMs: number;
  private readonly settleMs: number;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly bucket: string,
    opts: CloudWatchLogsOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2_000;
    this.settleMs = opts.settleMs ?? LOG_SETTLE_MS;
  }

  /**
   * The runner's side; needs logs:PutLogEvents, which only the instance
   * role has. Closing writes the end event, after every line, with the
   * number of events written, so a follower knows when it has them all.
   */
  async open(job: Job): Promise<LogSink> {
    const group = names.jobLogGroup(this.bucket, job.repo);
    const stream = streamSafe(job.id);
    await ensureLogGroup(this.client, group);
    await ensureLogStream(this.client, group, stream);
    const put = (logEvents: InputLogEvent[]): Promise<unknown> =>
      aws({ action: 'logs:PutLogEvents', resource: `${group}:${stream}` }, () => this.client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents })));
    let chain = Promise.resolve();
    let written = 0;
    let closed: Promise<void> | undefined;
    return {
      write(events: LogEvent[]): Promise<void> {
        // Writes are serialized so CloudWatch sees each batch in order.
        chain = chain.then(async () => {
          for (const batch of batchesOf(toInputEvents(events), MAX_BATCH_EVENTS, MAX_BATCH_BYTES, (e) => Buffer.byteLength(e.message ?? '', 'utf8') + EVENT_OVERHEAD)) {
            await put(batch);
            written += batch.length;
          }
        });
        return chain;
      },
      close: () =>
        (closed ??= chain.then(async () => {
          await put([{ timestamp: Date.now(), message: encodeEnd(written) }]);
        })),
    };
  }

  /** One full pass from `startTime`: every page until the token is gone. Yields new events in chunks, and notes the end events. */
  private async *drain(group: string, stream: string, startTime: number, seen: SeenEvents, signal?: AbortSignal): AsyncGenerator<LogEvent[]> {
    let token: string | undefined;
    do {
      if (signal?.aborted) return;
      let page;
      try {
        page = await this.client.send(
          new FilterLogEventsCommand({ logGroupName: group, logStreamNames: [stream], startTime, ...(token ? { nextToken: token } : {}) }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (err) {
        // No group or stream yet: the runner has not written anything.
        if (isMissing(err)) return;
        throw mapAwsError(err, { action: 'logs:FilterLogEvents', resource: group });
      }
      const fresh: LogEvent[] = [];
      for (const ev of page.events ?? []) {
        const ts = ev.timestamp ?? 0;
        const end = endCount(ev);
        if (end !== undefined) {
          seen.completion.ended(`${ts}:${ev.message}`, end);
          continue;
        }
        const decoded = decodeEvent(ev);
        const key = `${decoded.id}@${ts}`;
        if (seen.ids.has(key)) continue;
        seen.ids.set(key, ts);
        if (ts > seen.newest) seen.newest = ts;
        fresh.push(decoded);
      }
      seen.completion.counted(fresh.length);
      if (fresh.length) yield fresh;
      token = page.nextToken;
    } while (token);
  }

  /**
   * Batches in order. Following, it polls until the job has ended and the
   * log is complete: as many events read as the end events count, or, with
   * no end event, nothing new shown for `settleMs` since the job ended.
   */
  async *read(job: Job, opts: LogReadOptions = {}): AsyncIterable<LogEvent[]> {
    const group = names.jobLogGroup(this.bucket, job.repo);
    const stream = streamSafe(job.id);
    let startTime = Math.max(0, (job.submittedAt ?? 0) - LOOKBACK_MS);
    const seen: SeenEvents = { ids: new Map(), newest: startTime, completion: new LogCompletion(this.settleMs, job.finishedAt) };
    for (;;) {
      const done = !opts.follow || (opts.isDone ? await opts.isDone() : true);
      yield* this.drain(group, stream, startTime, seen, opts.signal);
      if (opts.signal?.aborted || !opts.follow) return;
      if (seen.completion.passEnded(done)) return;
      startTime = Math.max(startTime, seen.newest - LOOKBACK_MS);
      for (const [id, ts] of seen.ids) if (ts < startTime) seen.ids.delete(id);
      await sleep(this.pollMs, opts.signal);
    }
  }
}
