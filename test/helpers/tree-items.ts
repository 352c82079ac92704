/**
 * Every file under a local folder paired with its key under a prefix, as
 * the runner names artifacts, for tests and benchmarks that upload a whole
 * folder through the core's uploadTree.
 */
import { join } from 'node:path';
import type { UploadItem } from '../../main/core/tree-transfer';
import { walkUnder } from '../../main/runner/files';

export async function uploadItemsOf(dir: string, keyPrefix: string): Promise<UploadItem[]> {
  const items: UploadItem[] = [];
  for await (const e of walkUnder(dir, dir)) if (e.kind === 'file') items.push({ path: join(dir, e.rel), key: keyPrefix + e.rel });
  return items;
}
