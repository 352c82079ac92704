/**
 * The launch-intent ledger every compute backend writes before it creates a
 * machine: to the bucket (keys.launchIntent, seen by every client of the
 * bucket) and to a local append-only JSON-lines file under DSTACK_HOME
 * (which survives a bucket write that failed as the app died). Reconcilers
 * read both, so an app killed between the launch call and its next step
 * still finds the machine. One implementation here; each backend keeps only
 * its intent's fields, its file name and what marks an intent as its own.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Storage } from './backend';
import { keys } from './keys';

/** What every backend's intent has: enough to find its job and its ledger. */
export interface BaseIntent {
  bucket: string;
  repo: string;
  jobId: string;
  createdAt: number;
}

/** One line of the local ledger: the intent as it was at that event. */
export type IntentEntry<T extends BaseIntent> = T & { event: 'intent' | 'launched' | 'done' };

export class IntentLedger<T extends BaseIntent> {
  /**
   * @param ours tells this backend's intents from another backend's sharing
   *   the same bucket keys (an AWS and a GCP setup on one bucket).
   */
  constructor(
    private readonly storage: Storage,
    private readonly path: string,
    private readonly ours: (intent: T) => boolean = () => true,
  ) {}

  private async append(entry: IntentEntry<T>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, JSON.stringify(entry) + '\n', { mode: 0o600 });
  }

  /** Before the launch call: both records must exist, or the launch does not happen. */
  async intend(intent: T): Promise<void> {
    await this.append({ ...intent, event: 'intent' });
    await this.storage.put(keys.launchIntent(intent.repo, intent.jobId), JSON.stringify(intent));
  }

  /** Once the launch call was accepted: `launched` is the intent with what the cloud answered. */
  protected async recordLaunch(launched: T): Promise<void> {
    await this.append({ ...launched, event: 'launched' });
    await this.storage.put(keys.launchIntent(launched.repo, launched.jobId), JSON.stringify(launched));
  }

  /** After the machine is gone (or never started): the intent is settled. */
  async settle(intent: T): Promise<void> {
    await this.append({ ...intent, event: 'done' });
    await this.storage.delete([keys.launchIntent(intent.repo, intent.jobId)]);
  }

  async get(repo: string, jobId: string): Promise<T | undefined> {
    const body = await this.storage.get(keys.launchIntent(repo, jobId));
    return body ? (JSON.parse(body.toString('utf8')) as T) : undefined;
  }

  /** Open intents for this bucket: the bucket's, plus the local ledger's not yet settled. */
  async open(bucket: string): Promise<T[]> {
    const byJob = new Map<string, T>();
    let token: string | undefined;
    do {
      const page = await this.storage.list(keys.launchIntentPrefix(), token ? { token } : {});
      for (const o of page.objects) {
        const body = await this.storage.get(o.key);
        if (!body) continue;
        const intent = JSON.parse(body.toString('utf8')) as T;
        if (this.ours(intent)) byJob.set(`${intent.repo}\n${intent.jobId}`, intent);
      }
      token = page.next;
    } while (token);
    for (const e of await this.readLocal()) {
      if (e.bucket !== bucket) continue;
      const id = `${e.repo}\n${e.jobId}`;
      const { event, ...rest } = e;
      // An entry without its event is the intent as written.
      const intent = rest as unknown as T;
      if (event === 'done') byJob.delete(id);
      else byJob.set(id, { ...byJob.get(id), ...intent });
    }
    return [...byJob.values()];
  }

  private async readLocal(): Promise<IntentEntry<T>[]> {
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
        return line ? [JSON.parse(line) as IntentEntry<T>] : [];
      } catch {
        return [];
      }
    });
  }
}
