/**
 * Inline validation of a bucket name as the user types: waits for a pause,
 * asks `aws.checkBucket`, and drops answers for names no longer shown.
 */
import { useEffect, useRef, useState } from 'react';
import type { AwsTarget, BucketCheck } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';

export type CheckState =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'done'; result: BucketCheck }
  | { state: 'error'; error: ShownError };

const PAUSE_MS = 400;

export function useBucketCheck(target: AwsTarget, bucket: string): { check: CheckState; recheck: () => void } {
  const api = useApi();
  const [check, setCheck] = useState<CheckState>({ state: 'idle' });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const { credentials, region } = target;

  useEffect(() => {
    const mine = ++seq.current;
    const name = bucket.trim();
    if (!name) {
      setCheck({ state: 'idle' });
      return;
    }
    setCheck({ state: 'checking' });
    const timer = setTimeout(() => {
      api.call('aws.checkBucket', { credentials, region, bucket: name }).then(
        (result) => mine === seq.current && setCheck({ state: 'done', result }),
        (err) => mine === seq.current && setCheck({ state: 'error', error: describeError(err) }),
      );
    }, PAUSE_MS);
    return () => clearTimeout(timer);
  }, [api, credentials, region, bucket, nonce]);

  return { check, recheck: () => setNonce((n) => n + 1) };
}
