/**
 * Job logs in CloudWatch Logs: group `/dstack/jobs/{bucket}/{repo}`, one
 * stream per job. The runner writes with PutLogEvents through the instance
 * role (the seed policy does not give the app PutLogEvents, and the app
 * never writes logs). The app reads with FilterLogEvents only, the one read
 * the seed policy grants: it follows `nextToken` until it is gone, because
 * CloudWatch may return empty pages that still carry a token, dedupes by
 * eventId, and re-reads a short window on each poll for late arrivals.
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
}

/** Stored message: the runner's event id and stream travel with the text. */
export function encodeEvent(e: LogEvent): string {
  return JSON.stringify({ id: e.id, stream: e.stream, text: e.text });
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
 * events, too many to spread into Math.max.
 */
interface SeenEvents {
  ids: Map<string, number>;
  newest: number;
}

export class CloudWatchLogs implements Logs {
  private readonly pollMs: number;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly bucket: string,
    opts: CloudWatchLogsOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2_000;
  }

  /** The runner's side; needs logs:PutLogEvents, which only the instance role has. */
  async open(job: Job): Promise<LogSink> {
    const group = names.jobLogGroup(this.bucket, job.repo);
    const stream = streamSafe(job.id);
    await ensureLogGroup(this.client, group);
    await ensureLogStream(this.client, group, stream);
    const client = this.client;
    let chain = Promise.resolve();
    return {
      write(events: LogEvent[]): Promise<void> {
        // Writes are serialized so CloudWatch sees each batch in order.
        chain = chain.then(async () => {
          for (const batch of batchesOf(toInputEvents(events), MAX_BATCH_EVENTS, MAX_BATCH_BYTES, (e) => Buffer.byteLength(e.message ?? '', 'utf8') + EVENT_OVERHEAD)) {
            await aws({ action: 'logs:PutLogEvents', resource: `${group}:${stream}` }, () =>
              client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch })),
            );
          }
        });
        return chain;
      },
      close: () => chain,
    };
  }

  /** One full pass from `startTime`: every page until the token is gone. Yields new events in chunks. */
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
        const id = ev.eventId ?? `${ev.timestamp}:${ev.message}`;
        if (seen.ids.has(id)) continue;
        const ts = ev.timestamp ?? 0;
        seen.ids.set(id, ts);
        if (ts > seen.newest) seen.newest = ts;
        fresh.push(decodeEvent(ev));
      }
      if (fresh.length) yield fresh;
      token = page.nextToken;
    } while (token);
  }

  /**
   * Batches in order. Following, it polls until `isDone` says the job ended,
   * then keeps draining until a later pass finds nothing new, so a finished run's
   * log is complete.
   */
  async *read(job: Job, opts: LogReadOptions = {}): AsyncIterable<LogEvent[]> {
    const group = names.jobLogGroup(this.bucket, job.repo);
    const stream = streamSafe(job.id);
    let startTime = Math.max(0, (job.submittedAt ?? 0) - LOOKBACK_MS);
    const seen: SeenEvents = { ids: new Map(), newest: startTime };
    let doneSeen = false;
    for (;;) {
      const done = !opts.follow || (opts.isDone ? await opts.isDone() : true);
      let found = 0;
      for await (const batch of this.drain(group, stream, startTime, seen, opts.signal)) {
        found += batch.length;
        yield batch;
      }
      if (opts.signal?.aborted || !opts.follow) return;
      // After the job ends, one more pass must come back empty: CloudWatch shows new events with a delay.
      if (done && doneSeen && found === 0) return;
      doneSeen = done;
      startTime = Math.max(startTime, seen.newest - LOOKBACK_MS);
      for (const [id, ts] of seen.ids) if (ts < startTime) seen.ids.delete(id);
      await sleep(this.pollMs, opts.signal);
    }
  }
}
