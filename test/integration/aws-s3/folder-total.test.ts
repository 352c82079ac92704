// Folder totals through the core on S3 storage (s3rver): a folder holding
// more keys than one ListObjectsV2 page is counted in full, page by page.
import { describe, expect, it } from 'vitest';
import { folderTotal } from '../../../main/core/artifacts';
import { keys } from '../../../main/core/keys';
import { resetCounts, useS3 } from './setup';

const f = useS3();
const REPO = 'proj-0123abcd';
const JOB = 'calm-owl-1,train,0';

describe('folder totals on S3', () => {
  it('sums every key under a folder across listing pages, and nothing beside it', async () => {
    const paths = Array.from({ length: 1100 }, (_, i) => `output/ckpt/e${i % 4}/s${i}.pt`);
    // A sibling that shares the folder's name as a prefix must not count. (s3rver misorders `ckpt-x` before `ckpt/`
    // across pages, unlike S3, so the sibling sorts after the folder either way.)
    paths.push('output/ckpt2/x.pt', 'output/log.txt');
    for (let i = 0; i < paths.length; i += 50) {
      await Promise.all(paths.slice(i, i + 50).map((p, j) => f.storage.put(keys.artifact(REPO, JOB, p), Buffer.alloc(((i + j) % 7) + 1))));
    }
    const size = (i: number) => (i % 7) + 1;
    const inCkpt = Array.from({ length: 1100 }, (_, i) => size(i)).reduce((a, b) => a + b, 0);

    resetCounts(f);
    expect(await folderTotal(f.storage, REPO, JOB, 'output/ckpt')).toEqual({ files: 1100, bytes: inCkpt });
    expect(f.counts.get('ListObjectsV2Command')).toBe(2);
    expect(await folderTotal(f.storage, REPO, JOB, 'output')).toEqual({ files: 1102, bytes: inCkpt + size(1100) + size(1101) });
  });
});
