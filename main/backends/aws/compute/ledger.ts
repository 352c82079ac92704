/**
 * Launch intents, written before every RunInstances, kept by the shared
 * ledger (core/intent-ledger.ts) in the bucket and in
 * `{DSTACK_HOME}/aws-ledger.jsonl`. `reconcile()` reads both, so an app
 * killed between RunInstances and its next step still finds the instance.
 */
import { join } from 'node:path';
import { IntentLedger } from '../../../core/intent-ledger';

export interface LaunchIntent {
  bucket: string;
  region: string;
  repo: string;
  jobId: string;
  clientToken: string;
  createdAt: number;
  instanceId?: string;
}

export function ledgerPath(home: string): string {
  return join(home, 'aws-ledger.jsonl');
}

export class Ledger extends IntentLedger<LaunchIntent> {
  /** After RunInstances answered: the intent now names its instance. */
  async launched(intent: LaunchIntent, instanceId: string): Promise<void> {
    await this.recordLaunch({ ...intent, instanceId });
  }
}
