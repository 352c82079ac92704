/**
 * Secrets in Secret Manager, one secret per repo and name, its ID scoped to
 * the bucket and a hash of the repo (names.ts), so one project can hold
 * several dstack setups and repos without any seeing another's. A set adds
 * a version (creating the secret first when needed); values read the
 * latest version and check its CRC-32C; a listing asks Secret Manager for
 * the repo's prefix and keeps only IDs that really start with it, so no
 * filter quirk can show another repo's names. Values never appear in
 * errors or logs.
 */
import type { Secrets } from '../../core/backend';
import { InvalidArgumentError, NotFoundError, DstackError } from '../../common/errors';
import { crc32c } from '../../core/crc32c';
import type { GcpHttp } from './http';
import { isStatus } from './http';
import { gcpNames, secretLabels } from './names';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_ID = 255;

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(`"${name}" is not a valid secret name.`, 'Use letters, digits and underscores, starting with a letter or underscore (it becomes an environment variable).');
  }
}

export class GcpSecrets implements Secrets {
  constructor(
    private readonly http: GcpHttp,
    private readonly endpoint: string,
    private readonly project: string,
    private readonly bucket: string,
  ) {}

  private id(repo: string, name: string): string {
    checkName(name);
    const id = gcpNames.secret(this.bucket, repo, name);
    if (id.length > MAX_ID) {
      throw new InvalidArgumentError(`The secret name ${name} is too long for Secret Manager with this bucket's name.`, `Use a name of at most ${MAX_ID - (id.length - name.length)} characters.`);
    }
    return id;
  }

  private url(id = ''): string {
    return `${this.endpoint}/v1/projects/${encodeURIComponent(this.project)}/secrets${id ? `/${id}` : ''}`;
  }

  async set(repo: string, name: string, value: string): Promise<void> {
    const id = this.id(repo, name);
    try {
      await this.http.call({
        action: 'secretmanager.secrets.create',
        resource: id,
        method: 'POST',
        url: this.url(),
        query: { secretId: id },
        json: { replication: { automatic: {} }, labels: secretLabels(this.bucket, repo) },
      });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
    const data = Buffer.from(value, 'utf8');
    await this.http.call({
      action: 'secretmanager.versions.add',
      resource: id,
      method: 'POST',
      url: `${this.url(id)}:addVersion`,
      json: { payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) } },
    });
  }

  async delete(repo: string, name: string): Promise<void> {
    const id = this.id(repo, name);
    try {
      await this.http.call({ action: 'secretmanager.secrets.delete', resource: id, method: 'DELETE', url: this.url(id), idempotent: true });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }

  async list(repo: string): Promise<string[]> {
    const prefix = gcpNames.secretPrefix(this.bucket, repo);
    const labels = secretLabels(this.bucket, repo);
    const out: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.http.json<{ secrets?: { name?: string }[]; nextPageToken?: string }>({
        action: 'secretmanager.secrets.list',
        resource: `projects/${this.project}`,
        url: this.url(),
        query: { filter: `name:${prefix} AND labels.dstack-repo=${labels['dstack-repo']}`, pageSize: 250, pageToken },
        idempotent: true,
      });
      for (const s of page.secrets ?? []) {
        const id = s.name?.slice(s.name.lastIndexOf('/') + 1) ?? '';
        if (id.startsWith(prefix) && NAME.test(id.slice(prefix.length))) out.push(id.slice(prefix.length));
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out.sort();
  }

  async values(repo: string, names: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of names) {
      const id = this.id(repo, name);
      let res: { payload?: { data?: string; dataCrc32c?: string } };
      try {
        res = await this.http.json({ action: 'secretmanager.versions.access', resource: id, url: `${this.url(id)}/versions/latest:access`, idempotent: true });
      } catch (err) {
        if (isStatus(err, 404)) throw new NotFoundError(`The secret ${name} does not exist for this project.`, `Add it with \`dstack secrets add ${name}\` or in the Secrets tab.`);
        throw err;
      }
      const data = Buffer.from(res.payload?.data ?? '', 'base64');
      if (res.payload?.dataCrc32c !== undefined && res.payload.dataCrc32c !== String(crc32c(data))) {
        throw new DstackError('verification', `The value of the secret ${name} arrived damaged (its CRC-32C does not match).`, { fix: 'Try again.' });
      }
      out[name] = data.toString('utf8');
    }
    return out;
  }
}
