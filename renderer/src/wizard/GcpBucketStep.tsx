/**
 * The Cloud Storage bucket: picked from the project's buckets when the
 * credentials may list them, typed otherwise (the dstack role may not
 * list). The name is checked for existence and for a location that fits
 * the region; a missing `dstack-{project}-{region}` can be created.
 */
import { useEffect, useMemo, useState } from 'react';
import type { BucketCheck, BucketListing } from '../../../main/common/api/operations';
import type { GcpTarget } from '../../../main/common/api/gcp-setup';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { BucketList } from './BucketList';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function GcpBucketStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const target = useMemo<GcpTarget>(() => ({ credentials: draft.gcpCredentials ?? { adc: true }, project: draft.project ?? '', region: draft.region ?? 'us-central1' }), [draft.gcpCredentials, draft.project, draft.region]);
  const suggested = `dstack-${target.project}-${target.region}`;
  const [bucket, setBucket] = useState(draft.bucket ?? suggested);
  const [listing, setListing] = useState<BucketListing | null>(null);
  const [check, setCheck] = useState<BucketCheck | null>(null);
  const load = useAction(() => api.call('gcp.buckets', target));
  const verify = useAction((name: string) => api.call('gcp.checkBucket', { ...target, bucket: name }));
  const create = useAction(async (name: string) => {
    await api.call('gcp.createBucket', { ...target, bucket: name });
    return name;
  });

  useEffect(() => {
    void load.run().then((l) => l && setListing(l));
  }, [target]);

  const next = async () => {
    const name = bucket.trim();
    const r = await verify.run(name);
    setCheck(r ?? null);
    if (r?.ok) onNext({ step: 'gcp-permissions', bucket: name });
  };
  const onCreate = async () => {
    if (await create.run(bucket.trim())) await next();
  };

  return (
    <>
      {load.busy && <Busy label="Looking for buckets…" onCancel={load.cancel} />}
      <label htmlFor="bucket">Bucket name</label>
      <input id="bucket" autoComplete="off" spellCheck={false} value={bucket} onChange={(e) => { setBucket(e.target.value); setCheck(null); }} aria-describedby="bucket-help" />
      {listing && !listing.allowed && <p id="bucket-help" className="muted">{listing.reason}</p>}
      {listing?.allowed && <BucketList buckets={listing.buckets} filter={bucket} selected={bucket} onPick={(b) => { setBucket(b); setCheck(null); }} />}
      {check && !check.ok && (
        <p role="alert" className="warn">
          {check.message}
        </p>
      )}
      {check && !check.ok && check.problem === 'missing' && (
        <button type="button" onClick={() => void onCreate()} disabled={create.busy}>
          Create {bucket.trim()} in {target.region}
        </button>
      )}
      {(verify.busy || create.busy) && <Busy label={create.busy ? 'Creating the bucket…' : 'Checking the bucket…'} onCancel={create.busy ? create.cancel : verify.cancel} />}
      <ErrorNote error={verify.error ?? create.error} />
      <StepNav onBack={onBack} onNext={() => void next()} nextDisabled={!bucket.trim() || verify.busy} />
    </>
  );
}
