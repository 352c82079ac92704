/**
 * Launch intents, written before every instances.insert, as on AWS: to the
 * bucket (keys.launchIntent, seen by every client of the bucket) and to a
 * local append-only ledger `{DSTACK_HOME}/gcp-ledger.jsonl` (which survives
 * a bucket write that failed as the app died). `reconcile()` reads both, so
 * an app killed between the insert and its next step still finds the VM:
 * its name and zone are known before it exists.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Storage } from '../../core/backend';
import { keys } from '../../core/keys';

export interface GceIntent {
  bucket: string;
  project: string;
  zone: string;
  /** The VM's name, fixed by the job before the insert. */
  name: string;
  repo: string;
  jobId: string;
  createdAt: number;
  /** Set once instances.insert has been accepted. */
  launched?: boolean;
}

type Entry = GceIntent & { event: 'intent' | 'launched' | 'done' };

export function gceLedgerPath(home: string): string {
  return join(home, 'gcp-ledger.jsonl');
}

export class GceLedger {
  constructor(
    private readonly storage: Storage,
    private readonly path: string,
  ) {}

  private async append(entry: Entry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, JSON.stringify(entry) + '\n', { mode: 0o600 });
  }

  /** Before instances.insert: both records must exist, or the launch does not happen. */
  async intend(intent: GceIntent): Promise<void> {
    await this.append({ ...intent, event: 'intent' });
    await this.storage.put(keys.launchIntent(intent.repo, intent.jobId), JSON.stringify(intent));
  }

  async launched(intent: GceIntent): Promise<void> {
    const done = { ...intent, launched: true };
    await this.append({ ...done, event: 'launched' });
    await this.storage.put(keys.launchIntent(intent.repo, intent.jobId), JSON.stringify(done));
  }

  /** After the VM is gone (or never started): the intent is settled. */
  async settle(intent: GceIntent): Promise<void> {
    await this.append({ ...intent, event: 'done' });
    await this.storage.delete([keys.launchIntent(intent.repo, intent.jobId)]);
  }

  async get(repo: string, jobId: string): Promise<GceIntent | undefined> {
    const body = await this.storage.get(keys.launchIntent(repo, jobId));
    return body ? (JSON.parse(body.toString('utf8')) as GceIntent) : undefined;
  }

  /** Open intents for this bucket: the bucket's, plus the local ledger's not yet settled. */
  async open(bucket: string): Promise<GceIntent[]> {
    const byJob = new Map<string, GceIntent>();
    let token: string | undefined;
    do {
      const page = await this.storage.list(keys.launchIntentPrefix(), token ? { token } : {});
      for (const o of page.objects) {
        const body = await this.storage.get(o.key);
        if (!body) continue;
        const intent = JSON.parse(body.toString('utf8')) as GceIntent;
        // Another backend's intents (an AWS setup on the same keys) have no VM name.
        if (intent.name && intent.zone) byJob.set(`${intent.repo}\n${intent.jobId}`, intent);
      }
      token = page.next;
    } while (token);
    for (const e of await this.readLocal()) {
      if (e.bucket !== bucket) continue;
      const id = `${e.repo}\n${e.jobId}`;
      const { event, ...intent } = e;
      if (event === 'done') byJob.delete(id);
      else byJob.set(id, { ...byJob.get(id), ...intent });
    }
    return [...byJob.values()];
  }

  private async readLocal(): Promise<Entry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // A line cut short by a crash is skipped; the bucket copy still has that intent.
    return text.split('\n').flatMap((line) => {
      try {
        return line ? [JSON.parse(line) as Entry] : [];
      } catch {
        return [];
      }
    });
  }
}
