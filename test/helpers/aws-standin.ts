/**
 * A loopback stand-in for CloudWatch Logs and Secrets Manager, speaking
 * their real wire protocol (AWS JSON 1.1: POST with an `x-amz-target`
 * header), so the SDK clients and a runner process talk to it exactly as to
 * AWS. It records every action it serves, for the policy-coverage test, and
 * can deny an action to exercise AccessDenied paths. FilterLogEvents pages
 * are small, and with `emptyPages` every page of events is followed by an
 * empty page that still carries a nextToken, as CloudWatch does.
 * `visibleAfterMs` holds new events back from FilterLogEvents for a while,
 * as CloudWatch's ingestion delay does.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinCall {
  service: 'logs' | 'secretsmanager';
  action: string;
  input: Record<string, unknown>;
}

export interface StandinEvent {
  eventId: string;
  seq: number;
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** When FilterLogEvents starts returning it. */
  visibleAt: number;
}

export interface AwsStandin {
  /** `http://127.0.0.1:{port}`, for AWS_ENDPOINT_URL_CLOUDWATCH_LOGS and AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  endpoint: string;
  calls: StandinCall[];
  /** Actions answered with AccessDeniedException, e.g. `logs:FilterLogEvents`. */
  denied: Set<string>;
  groups: Map<string, Map<string, StandinEvent[]>>;
  secrets: Map<string, { arn: string; value: string; policy?: string; tags: { Key: string; Value: string }[] }>;
  /** Events put from now on stay out of FilterLogEvents this long. */
  visibleAfterMs: number;
  stop(): Promise<void>;
}

export interface StandinOptions {
  /** Events per FilterLogEvents page. */
  pageSize?: number;
  /** Follow each page of events with an empty page that carries a token. */
  emptyPages?: boolean;
  region?: string;
}

class AwsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Cursor {
  ts: number;
  seq: number;
  empty: boolean;
}

const encodeToken = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decodeToken = (t: string) => JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as Cursor;

export async function startAwsStandin(opts: StandinOptions = {}): Promise<AwsStandin> {
  const pageSize = opts.pageSize ?? 3;
  const region = opts.region ?? 'us-east-1';
  const calls: StandinCall[] = [];
  const denied = new Set<string>();
  const groups = new Map<string, Map<string, StandinEvent[]>>();
  const secrets: AwsStandin['secrets'] = new Map();
  let seq = 0;
  // Set once the server is up; the handlers read the knob from what the test holds.
  let st = { visibleAfterMs: 0 } as AwsStandin;

  const group = (name: unknown) => {
    const g = groups.get(String(name));
    if (!g) throw new AwsFault('ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  };
  const secretOf = (id: unknown) => {
    const key = [...secrets.keys()].find((k) => k === id || secrets.get(k)!.arn === id);
    if (!key) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return { name: key, s: secrets.get(key)! };
  };

  const logs: Record<string, (i: Record<string, unknown>) => unknown> = {
    CreateLogGroup(i) {
      if (groups.has(String(i.logGroupName))) throw new AwsFault('ResourceAlreadyExistsException', 'The specified log group already exists');
      groups.set(String(i.logGroupName), new Map());
      return {};
    },
    CreateLogStream(i) {
      const g = group(i.logGroupName);
      if (g.has(String(i.logStreamName))) throw new AwsFault('ResourceAlreadyExistsException', 'The specified log stream already exists');
      g.set(String(i.logStreamName), []);
      return {};
    },
    PutLogEvents(i) {
      const stream = group(i.logGroupName).get(String(i.logStreamName));
      if (!stream) throw new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.');
      const events = i.logEvents as { timestamp: number; message: string }[];
      for (let k = 1; k < events.length; k++) {
        if (events[k]!.timestamp < events[k - 1]!.timestamp) throw new AwsFault('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
      }
      for (const e of events) {
        seq++;
        stream.push({ eventId: String(seq).padStart(20, '0'), seq, timestamp: e.timestamp, message: e.message, ingestionTime: Date.now(), visibleAt: Date.now() + st.visibleAfterMs });
      }
      return { nextSequenceToken: String(seq) };
    },
    FilterLogEvents(i) {
      const g = group(i.logGroupName);
      const names = (i.logStreamNames as string[] | undefined) ?? [...g.keys()];
      const start = Number(i.startTime ?? 0);
      const end = i.endTime === undefined ? Infinity : Number(i.endTime);
      const now = Date.now();
      const all = names
        .flatMap((n) => (g.get(n) ?? []).map((e) => ({ ...e, logStreamName: n })))
        .filter((e) => e.timestamp >= start && e.timestamp < end && e.visibleAt <= now)
        .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
      const cursor = i.nextToken ? decodeToken(String(i.nextToken)) : undefined;
      if (opts.emptyPages && !cursor?.empty) {
        // An empty page with a token before every page of events.
        return { events: [], nextToken: encodeToken({ ts: cursor?.ts ?? -1, seq: cursor?.seq ?? -1, empty: true }) };
      }
      const after = cursor ? all.filter((e) => e.timestamp > cursor.ts || (e.timestamp === cursor.ts && e.seq > cursor.seq)) : all;
      const page = after.slice(0, Math.min(pageSize, Number(i.limit ?? pageSize)));
      const last = page.at(-1);
      const more = after.length > page.length;
      return {
        events: page.map((e) => ({ eventId: e.eventId, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, logStreamName: e.logStreamName })),
        ...(more && last ? { nextToken: encodeToken({ ts: last.timestamp, seq: last.seq, empty: false }) } : {}),
      };
    },
    DescribeLogGroups(i) {
      const prefix = String(i.logGroupNamePrefix ?? '');
      return { logGroups: [...groups.keys()].filter((n) => n.startsWith(prefix)).map((n) => ({ logGroupName: n, arn: `arn:aws:logs:${region}:000000000000:log-group:${n}:*` })) };
    },
  };

  const sm: Record<string, (i: Record<string, unknown>) => unknown> = {
    CreateSecret(i) {
      const name = String(i.Name);
      if (secrets.has(name)) throw new AwsFault('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      const arn = `arn:aws:secretsmanager:${region}:000000000000:secret:${name}-AbCdEf`;
      secrets.set(name, { arn, value: String(i.SecretString ?? ''), tags: (i.Tags as { Key: string; Value: string }[]) ?? [] });
      return { ARN: arn, Name: name, VersionId: String(++seq) };
    },
    PutSecretValue(i) {
      const { name, s } = secretOf(i.SecretId);
      s.value = String(i.SecretString ?? '');
      return { ARN: s.arn, Name: name, VersionId: String(++seq) };
    },
    GetSecretValue(i) {
      const { name, s } = secretOf(i.SecretId);
      return { ARN: s.arn, Name: name, SecretString: s.value, VersionId: String(seq) };
    },
    DeleteSecret(i) {
      const { name, s } = secretOf(i.SecretId);
      secrets.delete(name);
      return { ARN: s.arn, Name: name, DeletionDate: Date.now() / 1000 };
    },
    PutResourcePolicy(i) {
      const { name, s } = secretOf(i.SecretId);
      JSON.parse(String(i.ResourcePolicy));
      s.policy = String(i.ResourcePolicy);
      return { ARN: s.arn, Name: name };
    },
    TagResource(i) {
      const { s } = secretOf(i.SecretId);
      s.tags.push(...((i.Tags as { Key: string; Value: string }[]) ?? []));
      return {};
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, action = ''] = target.split('.');
      const service = prefix === 'Logs_20140328' ? 'logs' : prefix === 'secretsmanager' ? 'secretsmanager' : undefined;
      const handler = service === 'logs' ? logs[action] : service === 'secretsmanager' ? sm[action] : undefined;
      const reply = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': String(++seq) });
        res.end(JSON.stringify(data));
      };
      try {
        const input = JSON.parse((await body(req)) || '{}') as Record<string, unknown>;
        if (!service || !handler) throw new AwsFault('UnknownOperationException', `The stand-in does not serve ${target}.`);
        calls.push({ service, action, input });
        if (denied.has(`${service}:${action}`)) {
          throw new AwsFault('AccessDeniedException', `User: arn:aws:iam::000000000000:user/test is not authorized to perform: ${service}:${action}`);
        }
        reply(200, handler(input));
      } catch (err) {
        if (err instanceof AwsFault) reply(err.status, { __type: err.type, message: err.message });
        else reply(500, { __type: 'InternalFailure', message: String(err) });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  st = {
    visibleAfterMs: 0,
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    denied,
    groups,
    secrets,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return st;
}
