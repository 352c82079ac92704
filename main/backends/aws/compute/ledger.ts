/**
 * Launch intents, written before every RunInstances: to the bucket
 * (keys.launchIntent, seen by every client of the bucket) and to a local
 * append-only ledger `{DSTACK_HOME}/aws-ledger.jsonl` (survives a bucket
 * write that failed as the app died). `reconcile()` reads both, so an app
 * killed between RunInstances and its next step still finds the instance.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Storage } from '../../../core/backend';
import { keys } from '../../../core/keys';

export interface LaunchIntent {
  bucket: string;
  region: string;
  repo: string;
  jobId: string;
  clientToken: string;
  createdAt: number;
  instanceId?: string;
}

export type LedgerEntry = LaunchIntent & { event: 'intent' | 'launched' | 'done' };

export function ledgerPath(home: string): string {
  return join(home, 'aws-ledger.jsonl');
}

export class Ledger {
  constructor(
    private readonly storage: Storage,
    private readonly path: string,
  ) {}

  private async append(entry: LedgerEntry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, JSON.stringify(entry) + '\n', { mode: 0o600 });
  }

  /** Before RunInstances: both records must exist, or the launch does not happen. */
  async intend(intent: LaunchIntent): Promise<void> {
    await this.append({ ...intent, event: 'intent' });
    await this.storage.put(keys.launchIntent(intent.repo, intent.jobId), JSON.stringify(intent));
  }

  async launched(intent: LaunchIntent, instanceId: string): Promise<void> {
    const done = { ...intent, instanceId };
    await this.append({ ...done, event: 'launched' });
    await this.storage.put(keys.launchIntent(intent.repo, intent.jobId), JSON.stringify(done));
  }

  /** After the instance is gone (or never started): the intent is settled. */
  async settle(intent: LaunchIntent): Promise<void> {
    await this.append({ ...intent, event: 'done' });
    await this.storage.delete([keys.launchIntent(intent.repo, intent.jobId)]);
  }

  async get(repo: string, jobId: string): Promise<LaunchIntent | undefined> {
    const body = await this.storage.get(keys.launchIntent(repo, jobId));
    return body ? (JSON.parse(body.toString('utf8')) as LaunchIntent) : undefined;
  }

  /** Open intents for this bucket: the bucket's, plus the local ledger's not yet settled. */
  async open(bucket: string): Promise<LaunchIntent[]> {
    const byJob = new Map<string, LaunchIntent>();
    let token: string | undefined;
    do {
      const page = await this.storage.list(keys.launchIntentPrefix(), token ? { token } : {});
      for (const o of page.objects) {
        const body = await this.storage.get(o.key);
        if (!body) continue;
        const intent = JSON.parse(body.toString('utf8')) as LaunchIntent;
        byJob.set(`${intent.repo}\n${intent.jobId}`, intent);
      }
      token = page.next;
    } while (token);
    for (const e of await this.readLocal()) {
      if (e.bucket !== bucket) continue;
      const id = `${e.repo}\n${e.jobId}`;
      if (e.event === 'done') byJob.delete(id);
      else byJob.set(id, { ...byJob.get(id), ...stripEvent(e) });
    }
    return [...byJob.values()];
  }

  private async readLocal(): Promise<LedgerEntry[]> {
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
        return line ? [JSON.parse(line) as LedgerEntry] : [];
      } catch {
        return [];
      }
    });
  }
}

function stripEvent(e: LedgerEntry): LaunchIntent {
  const { event: _event, ...rest } = e;
  return rest;
}
