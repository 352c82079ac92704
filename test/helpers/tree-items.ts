/**
 * Every file under a local folder paired with its key under a prefix, as
 * the runner names artifacts, for tests and benchmarks that upload a whole
 * folder through the core's uploadTree.
 */
import { join } from 'node:path';
import type { UploadItem } from '../../main/core/tree-transfer';
import { filesUnder } from '../../main/runner/files';

export async function uploadItemsOf(dir: string, keyPrefix: string): Promise<UploadItem[]> {
  return (await filesUnder(dir, dir)).map((rel) => ({ path: join(dir, rel), key: keyPrefix + rel }));
}
