/**
 * The EC2 instance metadata service, IMDSv2 only (the instances are launched
 * with HttpTokens=required): a session token from `PUT /latest/api/token`,
 * then GETs that carry it. The runner on EC2 uses it to see a spot
 * interruption notice. Every request has a short timeout, because off EC2
 * the address leads nowhere. The address honours
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, as the AWS SDKs and CLI do.
 */
import { DstackError } from '../../common/errors';

export const IMDS_DEFAULT_ENDPOINT = 'http://169.254.169.254';

/** The IMDS base URL for an environment, without a trailing slash. */
export function imdsEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS_DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** `spot/instance-action`: what AWS will do to this spot instance, and when (ISO 8601, UTC). */
export interface SpotInstanceAction {
  action: string;
  time: string;
}

export interface ImdsOptions {
  endpoint?: string;
  /** Per request, token included; default 2 s. */
  timeoutMs?: number;
  /** Lifetime asked for each session token; default 6 h, the most IMDS allows. */
  tokenTtlSec?: number;
  now?: () => number;
}

function unavailable(what: string, cause: unknown): DstackError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new DstackError('unavailable', `The instance metadata service did not answer ${what} (${why}).`, { cause });
}

export class ImdsClient {
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly ttlSec: number;
  private readonly now: () => number;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(opts: ImdsOptions = {}) {
    this.endpoint = (opts.endpoint ?? imdsEndpoint()).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 2_000;
    this.ttlSec = opts.tokenTtlSec ?? 21_600;
    this.now = opts.now ?? Date.now;
  }

  private async request(method: 'PUT' | 'GET', path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    try {
      const res = await fetch(`${this.endpoint}${path}`, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      return { status: res.status, body: await res.text() };
    } catch (err) {
      throw unavailable(`${method} ${path}`, err);
    }
  }

  /** A session token, reused until a minute before it expires. */
  private async sessionToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const r = await this.request('PUT', '/latest/api/token', { 'X-aws-ec2-metadata-token-ttl-seconds': String(this.ttlSec) });
    if (r.status !== 200 || !r.body) throw unavailable('with a session token', new Error(`HTTP ${r.status}`));
    this.token = { value: r.body, expiresAt: this.now() + Math.max(0, this.ttlSec - 60) * 1000 };
    return r.body;
  }

  /** A metadata value; undefined when IMDS answers 404 (the item does not exist now). */
  async get(path: string): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.request('GET', path, { 'X-aws-ec2-metadata-token': await this.sessionToken() });
      if (r.status === 200) return r.body;
      if (r.status === 404) return undefined;
      // 401: the token expired or IMDS restarted; one fresh token, then give up.
      if (r.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      throw unavailable(`GET ${path}`, new Error(`HTTP ${r.status}`));
    }
  }

  /**
   * The spot interruption notice, or undefined while there is none. Any 200
   * is a notice: a body that cannot be read still means the instance is going.
   */
  async spotInstanceAction(): Promise<SpotInstanceAction | undefined> {
    const body = await this.get('/latest/meta-data/spot/instance-action');
    if (body === undefined) return undefined;
    let parsed: Partial<Record<keyof SpotInstanceAction, unknown>> = {};
    try {
      parsed = (JSON.parse(body) as typeof parsed | null) ?? {};
    } catch {
      // Kept empty: the defaults below.
    }
    return {
      action: typeof parsed.action === 'string' ? parsed.action : 'terminate',
      time: typeof parsed.time === 'string' ? parsed.time : '',
    };
  }
}
