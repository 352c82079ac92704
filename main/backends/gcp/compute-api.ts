/**
 * The Compute Engine calls the backend makes, over the Compute Engine REST
 * API (JSON) through the same GcpHttp client and token as storage, logs and
 * secrets. Why REST and not @google-cloud/compute: that client brings
 * google-gax, gRPC and protobufjs (many megabytes, and a slower start) into
 * the app for a handful of calls, as the storage slice found
 * (backends/gcp/http.ts); the REST shapes are plain JSON.
 *
 * instances.insert answers with an Operation: capacity and quota are
 * reported on the operation, after the HTTP call succeeded, so an insert
 * waits for it (`operations.wait`) and maps its error for people.
 */
import { randomUUID } from 'node:crypto';
import { DstackError } from '../../common/errors';
import type { GcpContext, OperationError } from './errors';
import { operationError } from './errors';
import type { GcpHttp } from './http';
import { isStatus } from './http';

/** The parts of a Compute Engine instance the backend reads. */
export interface GceInstance {
  id?: string;
  name: string;
  /** A URL ending in the zone's name. */
  zone: string;
  status: string;
  statusMessage?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  metadata?: { items?: { key: string; value?: string }[] };
  scheduling?: { provisioningModel?: string };
}

interface Operation {
  name: string;
  status: string;
  targetId?: string;
  error?: { errors?: OperationError[] };
}

/** The last segment of a Compute Engine URL (`…/zones/us-central1-a` → `us-central1-a`). */
export function lastSegment(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** A metadata item of an instance, e.g. the exact job id behind its lossy label. */
export function metadataValue(i: GceInstance, key: string): string | undefined {
  return i.metadata?.items?.find((m) => m.key === key)?.value;
}

export class GceApi {
  constructor(
    private readonly http: GcpHttp,
    private readonly endpoint: string,
    readonly project: string,
  ) {}

  private url(path: string): string {
    return `${this.endpoint}/compute/v1/projects/${encodeURIComponent(this.project)}/${path}`;
  }

  private ctx(action: string, resource: string, zone?: string, machineType?: string): GcpContext {
    const region = zone?.replace(/-[a-z]$/, '');
    return { action, resource, project: this.project, ...(zone ? { zone } : {}), ...(region ? { region } : {}), ...(machineType ? { machineType } : {}) };
  }

  /**
   * Creates the instance and waits until Compute Engine has accepted or
   * refused it. The name is the job's, so an insert sent again (a retry, a
   * second app) finds the first one (409) instead of starting a second VM.
   */
  async insert(zone: string, body: { name: string; machineType: string }, deadlineMs = 10 * 60_000): Promise<void> {
    const machineType = lastSegment(body.machineType);
    const ctx = this.ctx('compute.instances.create', `instance ${body.name} in ${zone}`, zone, machineType);
    let op: Operation;
    try {
      // The requestId makes a resend the same request, so a lost answer may be retried.
      op = await this.http.json<Operation>({ ...ctx, method: 'POST', url: this.url(`zones/${zone}/instances`), query: { requestId: randomUUID() }, json: body, idempotent: true });
    } catch (err) {
      if (isStatus(err, 409)) return;
      throw err;
    }
    const end = Date.now() + deadlineMs;
    while (op.status !== 'DONE') {
      if (Date.now() > end) throw new DstackError('unavailable', `Compute Engine did not finish creating ${body.name} in ${zone} within ${deadlineMs / 60_000} minutes.`, { fix: 'See the VM in the Cloud console; dstack deletes it when the run is removed or fails.' });
      // operations.wait answers when the operation is done, or after about two minutes.
      op = await this.http.json<Operation>({ ...this.ctx('compute.zoneOperations.get', `operation ${op.name}`, zone), method: 'POST', url: this.url(`zones/${zone}/operations/${op.name}/wait`), idempotent: true });
    }
    const errors = op.error?.errors ?? [];
    if (errors.length && !errors.every((e) => e.code === 'RESOURCE_ALREADY_EXISTS')) throw operationError(errors, ctx);
  }

  /** The instance, or undefined when it does not exist (deleted, or never made). */
  async get(zone: string, name: string): Promise<GceInstance | undefined> {
    try {
      return await this.http.json<GceInstance>({ ...this.ctx('compute.instances.get', `instance ${name} in ${zone}`, zone), url: this.url(`zones/${zone}/instances/${name}`), idempotent: true });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Every instance in the project (all zones) whose label `key` is `value`. */
  async list(key: string, value: string): Promise<GceInstance[]> {
    const out: GceInstance[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.http.json<{ items?: Record<string, { instances?: GceInstance[] }>; nextPageToken?: string }>({
        ...this.ctx('compute.instances.list', `instances of project ${this.project}`),
        url: this.url('aggregated/instances'),
        query: { filter: `labels.${key} = "${value}"`, maxResults: 500, pageToken, returnPartialSuccess: 'true' },
        idempotent: true,
      });
      for (const scope of Object.values(page.items ?? {})) out.push(...(scope.instances ?? []));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Deletes the instance; one already gone is not an error. Does not wait: deletion goes on without us. */
  async delete(zone: string, name: string): Promise<void> {
    try {
      await this.http.call({ ...this.ctx('compute.instances.delete', `instance ${name} in ${zone}`, zone), method: 'DELETE', url: this.url(`zones/${zone}/instances/${name}`), query: { requestId: randomUUID() }, idempotent: true });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }

  /** Creates a firewall rule once; one that exists (409) is kept as it is, its name says what it opens. */
  async ensureFirewall(rule: { name: string; network: string; targetTags: string[]; allowed: { IPProtocol: string; ports: string[] }[]; description: string; sourceRanges: string[] }): Promise<void> {
    const ctx = this.ctx('compute.firewalls.create', `firewall rule ${rule.name}`);
    const found = await this.http.call({ ...this.ctx('compute.firewalls.get', `firewall rule ${rule.name}`), url: this.url(`global/firewalls/${rule.name}`), accept: [404], idempotent: true });
    if (found.status !== 404) return void (await found.body?.cancel());
    try {
      await this.http.call({ ...ctx, method: 'POST', url: this.url('global/firewalls'), json: rule });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
  }
}
