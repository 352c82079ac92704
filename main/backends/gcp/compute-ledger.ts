/**
 * Launch intents, written before every instances.insert, as on AWS, by the
 * shared ledger (core/intent-ledger.ts) in the bucket and in
 * `{DSTACK_HOME}/gcp-ledger.jsonl`. `reconcile()` reads both, so an app
 * killed between the insert and its next step still finds the VM: its name
 * and zone are known before it exists.
 */
import { join } from 'node:path';
import type { Storage } from '../../core/backend';
import { IntentLedger } from '../../core/intent-ledger';

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

export function gceLedgerPath(home: string): string {
  return join(home, 'gcp-ledger.jsonl');
}

export class GceLedger extends IntentLedger<GceIntent> {
  constructor(storage: Storage, path: string) {
    // Another backend's intents (an AWS setup on the same keys) have no VM name.
    super(storage, path, (intent) => Boolean(intent.name && intent.zone));
  }

  /** After instances.insert was accepted. */
  async launched(intent: GceIntent): Promise<void> {
    await this.recordLaunch({ ...intent, launched: true });
  }
}
