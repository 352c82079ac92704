// Single-object PUTs (small files, Storage.put with or without a condition)
// and part uploads skip the SDK's command stack, whose middleware costs about
// 2 ms of CPU per object: they go out through undici with a cached signer,
// as downloads do. The server still sees each PUT, signed correctly (the
// traffic proxy checks every signature), while the client's own middleware
// never does.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../main/core/backend';
import { MiB, randomFile, resetCounts, useS3 } from './setup';

const f = useS3();

describe('PUT path', () => {
  it('sends small files, conditional puts and parts past the SDK command stack, each signed and stored intact', async () => {
    const sdkCalls: string[] = [];
    f.client.middlewareStack.add(
      (next, context) => (args) => {
        sdkCalls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      resetCounts(f);
      const small = await randomFile(f.tmp, 'small.bin', 10 * 1024);
      await f.storage.uploadFile(small.path, 'put-path/small.bin');
      await f.storage.put('put-path/meta.json', '{"a":1}', { ifNoneMatch: '*' });
      await expect(f.storage.put('put-path/meta.json', '{"a":2}', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      const big = await randomFile(f.tmp, 'parts.bin', 11 * MiB);
      await f.storage.uploadFile(big.path, 'put-path/parts.bin', { threshold: 5 * MiB, partSize: 5 * MiB });

      expect(Object.fromEntries(f.counts)).toMatchObject({ PutObjectCommand: 3, UploadPartCommand: 3 });
      expect(sdkCalls.filter((c) => c === 'PutObjectCommand' || c === 'UploadPartCommand'), `SDK commands seen: ${sdkCalls.join(', ')}`).toEqual([]);
      expect((await readFile(f.s3.objectPath('put-path/small.bin'))).equals(small.data)).toBe(true);
      expect((await readFile(f.s3.objectPath('put-path/parts.bin'))).equals(big.data)).toBe(true);
      expect(await readFile(f.s3.objectPath('put-path/meta.json'), 'utf8')).toBe('{"a":1}');
    } finally {
      f.client.middlewareStack.remove('countCommands');
    }
  });
});
