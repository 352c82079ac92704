/**
 * The bucket picker. With broad credentials it lists buckets to filter and
 * pick; with dstack's narrow policy listing is denied, which is expected, and
 * the user types the name. Either way the name is checked inline, and when
 * the account may create buckets, `dstack-{account}-{region}` is offered.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AwsTarget, BucketListing } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { BucketCheckNote } from './BucketCheckNote';
import { BucketList } from './BucketList';
import { StepNav } from './StepNav';
import type { StepProps } from './types';
import { useBucketCheck } from './useBucketCheck';

export function BucketStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const target = useMemo<AwsTarget>(() => ({ credentials: draft.credentials!, region: draft.region ?? 'us-east-1' }), [draft.credentials, draft.region]);
  const [bucket, setBucket] = useState(draft.bucket ?? '');
  const [listing, setListing] = useState<BucketListing | null>(null);
  const [suggested, setSuggested] = useState<string | null>(null);
  const { check, recheck } = useBucketCheck(target, bucket);

  const load = useAction(async () => {
    const [list, identity] = await Promise.all([api.call('aws.buckets', target), api.call('aws.identity', { credentials: target.credentials })]);
    const name = `dstack-${identity.account}-${target.region}`;
    const probe = await api.call('aws.checkBucket', { ...target, bucket: name });
    return { list, creatable: !probe.ok && probe.problem === 'missing' && probe.canCreate ? name : null };
  });
  const create = useAction(async (name: string) => {
    await api.call('aws.createBucket', { ...target, bucket: name });
    return name;
  });

  useEffect(() => {
    void load.run().then((r) => {
      if (!r) return;
      setListing(r.list);
      setSuggested(r.creatable);
    });
    // Reloads only when the target changes (e.g. after switching region).
  }, [target]);

  const onCreate = async (name: string) => {
    const made = await create.run(name);
    if (!made) return;
    setSuggested(null);
    setBucket(made);
    recheck();
  };

  const ok = check.state === 'done' && check.result.ok;
  return (
    <>
      {load.busy && <Busy label="Looking for buckets…" onCancel={load.cancel} />}
      <ErrorNote error={load.error} />
      <label htmlFor="bucket">Bucket name</label>
      <input id="bucket" autoComplete="off" spellCheck={false} value={bucket} placeholder={listing?.allowed ? 'Type to filter, or a new name' : 'my-dstack-bucket'}
        onChange={(e) => setBucket(e.target.value)} aria-describedby="bucket-help" />
      {listing && !listing.allowed && (
        <p id="bucket-help" className="muted">
          These credentials cannot list buckets ({listing.reason}). That is normal: dstack’s recommended policy grants access to one bucket only. Type its name.
        </p>
      )}
      {listing?.allowed && <BucketList buckets={listing.buckets} filter={bucket} selected={bucket} onPick={setBucket} />}
      <BucketCheckNote check={check} onSwitchRegion={(region) => onNext({ step: 'aws-bucket', region, bucket })} />
      {suggested && (
        <button type="button" onClick={() => void onCreate(suggested)} disabled={create.busy}>
          Create {suggested}
        </button>
      )}
      {create.busy && <Busy label="Creating the bucket…" onCancel={create.cancel} />}
      <ErrorNote error={create.error} />
      <StepNav onBack={onBack} onNext={() => onNext({ step: 'aws-permissions', bucket: bucket.trim() })} nextDisabled={!ok} />
    </>
  );
}
