/**
 * The conditional-write contract every Storage keeps, as S3 does: a create
 * with `ifNoneMatch: '*'` fails when the key exists, an update with
 * `ifMatch` fails when the object changed since it was read, and of many
 * writers racing from one read exactly one wins. Shared by the local and
 * the S3 tests so both backends are held to the same answers.
 */
import { expect, it } from 'vitest';
import type { Storage } from '../../main/core/backend';
import { PreconditionFailedError } from '../../main/core/backend';

/** Defines the cases; `storage` is called inside each test, after the suite's setup has run. */
export function conditionalPutCases(storage: () => Storage, prefix: string): void {
  it('refuses a second create of the same key with If-None-Match', async () => {
    const key = `${prefix}/create/name`;
    await storage().put(key, 'first', { ifNoneMatch: '*' });
    await expect(storage().put(key, 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await storage().get(key))?.toString()).toBe('first');
  });

  it('refuses an update with a stale If-Match and keeps the newer object', async () => {
    const key = `${prefix}/update/record.json`;
    await storage().put(key, 'v1');
    const read = await storage().getWithEtag(key);
    expect(read?.body.toString()).toBe('v1');
    await storage().put(key, 'v2', { ifMatch: read!.etag });
    await expect(storage().put(key, 'v3', { ifMatch: read!.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await storage().get(key))?.toString()).toBe('v2');
    const fresh = await storage().getWithEtag(key);
    expect(fresh?.etag).not.toBe(read!.etag);
  });

  it('refuses an If-Match update of a key that does not exist', async () => {
    await expect(storage().put(`${prefix}/missing/x`, 'v', { ifMatch: 'abc' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await storage().get(`${prefix}/missing/x`)).toBeUndefined();
  });

  it('lets exactly one of many racing writers win, for creates and for updates', async () => {
    const created = `${prefix}/race/name`;
    const creates = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => storage().put(created, `w${i}`, { ifNoneMatch: '*' })));
    const createWinners = creates.flatMap((r, i) => (r.status === 'fulfilled' ? [`w${i}`] : []));
    expect(createWinners).toHaveLength(1);
    expect((await storage().get(created))?.toString()).toBe(createWinners[0]);
    for (const r of creates) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);

    const updated = `${prefix}/race/record.json`;
    await storage().put(updated, 'base');
    const { etag } = (await storage().getWithEtag(updated))!;
    const updates = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => storage().put(updated, `u${i}`, { ifMatch: etag })));
    const updateWinners = updates.flatMap((r, i) => (r.status === 'fulfilled' ? [`u${i}`] : []));
    expect(updateWinners).toHaveLength(1);
    expect((await storage().get(updated))?.toString()).toBe(updateWinners[0]);
  });
}
