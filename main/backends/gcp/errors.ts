/**
 * Google Cloud's answers in words for people. Every REST API here answers
 * an error as `{ error: { code, message, status } }`; the status code says
 * whose problem it is (credentials, permission, a missing thing, a busy
 * service), and the message names what Google refused. Tokens and secret
 * values never reach a message: only the action and the resource do.
 */
import type { CapacityShortage } from '../../common/errors';
import { DstackError } from '../../common/errors';

export interface GcpContext {
  /** The API method, as IAM names its permission (e.g. `storage.objects.create`). */
  action: string;
  /** What it was called on: an object URL, a log name, a secret's name. */
  resource: string;
  /** Compute calls: the project, region and zone, and the machine type, so quota and capacity errors can name them. */
  project?: string;
  region?: string;
  zone?: string;
  machineType?: string;
}

/** An error answer that the caller did not expect; `status` lets callers tell 404 and 412 apart. */
export class GcpHttpError extends DstackError {
  constructor(
    readonly status: number,
    code: DstackError['code'],
    message: string,
    fix?: string,
    details?: CapacityShortage,
  ) {
    super(code, message, { ...(fix ? { fix } : {}), ...(details ? { details } : {}) });
    this.name = 'GcpHttpError';
  }
}

const CREDENTIALS_FIX =
  'Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file.';

/** Google's own message from an error body, or the status line when the body is not JSON. */
export function googleMessage(status: number, body: string): string {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string' && m) return m.slice(0, 300);
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return `HTTP ${status}`;
}

export function httpError(status: number, body: string, ctx: GcpContext): GcpHttpError {
  const said = googleMessage(status, body);
  const special = explain(status, googleError(body), said, ctx);
  if (special) return special;
  if (status === 401) return new GcpHttpError(status, 'credentials', `Google Cloud rejected the credentials (${ctx.action}): ${said}`, CREDENTIALS_FIX);
  if (status === 403) {
    return new GcpHttpError(status, 'permission', `The credentials may not call ${ctx.action} on ${ctx.resource}: ${said}`, `Grant the account a role with ${ctx.action}, or use other credentials.`);
  }
  if (status === 404) return new GcpHttpError(status, 'not_found', `${ctx.resource} does not exist: ${said}`);
  if (status === 412 || status === 409) return new GcpHttpError(status, 'conflict', `${ctx.resource} was changed by another writer: ${said}`, 'Try again.');
  if (status === 429) return new GcpHttpError(status, 'quota', `Google Cloud is throttling ${ctx.action}: ${said}`, 'Wait a minute and try again.');
  if (status >= 500) return new GcpHttpError(status, 'unavailable', `Google Cloud could not answer ${ctx.action} on ${ctx.resource}: ${said}`, 'Try again in a minute.');
  return new GcpHttpError(status, 'internal', `Google Cloud refused ${ctx.action} on ${ctx.resource}: ${said}`);
}

/** A request that never got an answer (no network, wrong endpoint, a dropped connection). */
export function unreachable(err: unknown, ctx: GcpContext): DstackError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
  return new DstackError('unavailable', `Could not reach Google Cloud for ${ctx.action} on ${ctx.resource} (${why}).`, {
    fix: 'Check the network connection and try again.',
  });
}

/** The parts of Google's error body that say which fix applies. */
interface GoogleError {
  reasons: string[];
  /** ErrorInfo metadata (`service`, `permission`, `consumer`), merged. */
  info: Record<string, string>;
}

function googleError(body: string): GoogleError {
  const out: GoogleError = { reasons: [], info: {} };
  try {
    const e = (JSON.parse(body) as { error?: { errors?: { reason?: unknown }[]; details?: { reason?: unknown; metadata?: Record<string, unknown> }[] } }).error;
    for (const x of [...(e?.errors ?? []), ...(e?.details ?? [])]) if (typeof x.reason === 'string') out.reasons.push(x.reason);
    for (const d of e?.details ?? []) for (const [k, v] of Object.entries(d.metadata ?? {})) if (typeof v === 'string') out.info[k] = v;
  } catch {
    // Not JSON: nothing more to read.
  }
  return out;
}

/** `gcloud services enable` for the API a "not enabled" answer names. */
export function enableApiFix(service: string, project?: string): string {
  return `Enable it with \`gcloud services enable ${service}${project ? ` --project ${project}` : ''}\`, wait a minute, and try again.`;
}

/** The permission an answer names: ErrorInfo's, or "Required 'x.y.z' permission", or the action called. */
function permissionOf(said: string, g: GoogleError, ctx: GcpContext): string {
  return g.info.permission ?? /Required '([\w.]+)' permission/.exec(said)?.[1] ?? ctx.action;
}

function explain(status: number, g: GoogleError, said: string, ctx: GcpContext): GcpHttpError | undefined {
  const disabled = g.reasons.includes('SERVICE_DISABLED') || g.reasons.includes('accessNotConfigured') || /has not been used in project|it is disabled/.test(said);
  if (status === 403 && disabled) {
    const service = g.info.service ?? /apis\/api\/([a-z0-9.-]+)/.exec(said)?.[1] ?? `${ctx.action.split('.')[0]}.googleapis.com`;
    return new GcpHttpError(status, 'config', `The ${service} API is not enabled in project ${ctx.project ?? 'of these credentials'}.`, enableApiFix(service, ctx.project));
  }
  if (g.reasons.includes('quotaExceeded') || g.reasons.includes('QUOTA_EXCEEDED') || /^Quota '/.test(said)) return quotaError(status, said, ctx);
  if (/does not have access to service account|iam\.serviceAccountUser/.test(said)) {
    return new GcpHttpError(status, 'permission', `The credentials may not start VMs that run as the configured service account: ${said}`, 'Grant the account iam.serviceAccounts.actAs on that service account (role "Service Account User"), or configure another service account for the VMs.');
  }
  if (status === 403 && ctx.project) {
    const permission = permissionOf(said, g, ctx);
    return new GcpHttpError(status, 'permission', `The credentials lack the permission ${permission} in project ${ctx.project} (${ctx.resource}).`, `Grant the account a role with ${permission} (the custom role dstack shows has it), or use other credentials.`);
  }
  return undefined;
}

/** A quota error names the quota and the region it is counted in, and where to raise it. */
function quotaError(status: number, said: string, ctx: GcpContext, details?: { quota?: string; region?: string }): GcpHttpError {
  const quota = details?.quota ?? /Quota '([^']+)'/.exec(said)?.[1] ?? 'unknown';
  const region = details?.region ?? /in region ([a-z0-9-]+)/.exec(said)?.[1] ?? ctx.region ?? 'the region';
  const what = ctx.machineType ? ` for ${ctx.machineType}` : '';
  const who = ctx.project ? `Project ${ctx.project}` : 'The project';
  return new GcpHttpError(status, 'quota', `${who} has too little quota ${quota} in ${region}${what}: ${said}`, `Request more ${quota} for ${region} at https://console.cloud.google.com/iam-admin/quotas${ctx.project ? `?project=${ctx.project}` : ''}, or ask for a smaller machine.`);
}

/** Zones of the regions GPUs are most asked for in; elsewhere the fix says how to list them. */
const ZONES: Record<string, string[]> = {
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-east4': ['a', 'b', 'c'],
  'us-west1': ['a', 'b', 'c'],
  'us-west4': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west4': ['a', 'b', 'c'],
  'asia-east1': ['a', 'b', 'c'],
  'asia-southeast1': ['a', 'b', 'c'],
};

/** The region's other zones, to offer when one has no capacity. */
export function otherZones(region: string, zone: string): string[] | undefined {
  return ZONES[region]?.map((z) => `${region}-${z}`).filter((z) => z !== zone);
}

/** One error of a finished Compute Engine operation (`operation.error.errors[]`). */
export interface OperationError {
  code?: string;
  message?: string;
  errorDetails?: { quotaInfo?: { metricName?: string; limitName?: string; dimensions?: Record<string, string> } }[];
}

/**
 * An operation that ended in an error (instances.insert reports capacity
 * and quota this way, after the HTTP call succeeded), in words with the fix.
 */
export function operationError(errors: OperationError[], ctx: GcpContext): GcpHttpError {
  const e = errors[0] ?? {};
  const said = (e.message ?? e.code ?? 'unknown error').slice(0, 300);
  const zone = ctx.zone ?? '';
  const region = ctx.region ?? zone.replace(/-[a-z]$/, '');
  if (e.code?.startsWith('ZONE_RESOURCE_POOL_EXHAUSTED')) {
    const others = otherZones(region, zone);
    return new GcpHttpError(503, 'capacity', `Zone ${zone} has no ${ctx.machineType ?? 'machines of this type'} free right now (ZONE_RESOURCE_POOL_EXHAUSTED).`, `Set another zone of ${region} in the GCP settings${others?.length ? ` (${others.join(', ')})` : ` (\`gcloud compute zones list --filter=region:${region}\`)`}, or try again later.`, { shortage: true });
  }
  if (e.code === 'QUOTA_EXCEEDED') {
    const q = e.errorDetails?.find((d) => d.quotaInfo)?.quotaInfo;
    return quotaError(403, said, { ...ctx, region }, { ...(q?.metricName ? { quota: q.metricName.replace(/^compute\.googleapis\.com\//, '').toUpperCase() } : {}), ...(q?.dimensions?.region ? { region: q.dimensions.region } : {}) });
  }
  const asHttp = JSON.stringify({ error: { message: said, errors: [{ reason: e.code }] } });
  return httpError(e.code === 'PERMISSION_DENIED' || /permission/i.test(said) ? 403 : 400, asHttp, ctx);
}
