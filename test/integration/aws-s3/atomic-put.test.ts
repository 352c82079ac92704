/**
 * The S3 stand-in must swap a whole object at once, as S3 does: the AWS e2e
 * test polls job records while a runner process rewrites them, and a read
 * that saw half an object failed it now and then ("not valid JSON"). Reads
 * go through the bare SDK client here, so no retry hides a torn one.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { useS3 } from './setup';

const f = useS3();

it('never returns half an object to a read that races a rewrite of the same key', async () => {
  const versions = ['a', 'b'].map((c) => JSON.stringify({ v: c, padding: c.repeat(256 * 1024) }));
  await f.storage.put('race/job.json', versions[0]!);
  const torn: string[] = [];
  for (let round = 0; round < 20; round++) {
    const write = f.storage.put('race/job.json', versions[(round + 1) % 2]!);
    const reads = Array.from({ length: 4 }, async () => {
      try {
        const res = await f.client.send(new GetObjectCommand({ Bucket: f.s3.bucket, Key: 'race/job.json' }));
        const body = await res.Body!.transformToString();
        if (!versions.includes(body)) torn.push(`${body.length} bytes`);
      } catch (err) {
        torn.push((err as Error).message);
      }
    });
    await Promise.all([write, ...reads]);
  }
  expect(torn).toEqual([]);
});
