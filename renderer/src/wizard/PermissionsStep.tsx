/**
 * Checks what the credentials may do, service by service, and shows the
 * policy with the bucket filled in, ready to paste into IAM. Saving with a
 * red row is allowed (the admin may still be attaching the policy) but says
 * what will fail.
 */
import { useEffect, useState } from 'react';
import type { PermissionRow } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { CopyButton } from '../components/CopyButton';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { missingServices, PermissionCheck } from './PermissionCheck';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function PermissionsStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [result, setResult] = useState<{ rows: PermissionRow[]; policy: string } | null>(null);
  const target = { credentials: draft.credentials!, region: draft.region ?? 'us-east-1', bucket: draft.bucket ?? '' };
  const checkAction = useAction(() => api.call('aws.checkPermissions', target));
  const save = useAction(() => api.call('aws.save', target));

  const runCheck = () => void checkAction.run().then((r) => r && setResult(r));
  useEffect(runCheck, []);

  const finish = async () => {
    if (await save.run()) onNext({ step: 'done' });
  };
  const missing = missingServices(result?.rows);

  return (
    <>
      <PermissionCheck check={checkAction} rows={result?.rows} fix="Attach the policy below to the user or role" onCheck={runCheck} />
      {result && (
        <div className="policy">
          <div className="row">
            <h3 id="policy-title">IAM policy for {target.bucket}</h3>
            <CopyButton text={result.policy} label="Copy policy" />
          </div>
          <pre aria-labelledby="policy-title" tabIndex={0}>{result.policy}</pre>
        </div>
      )}
      {save.busy && <Busy label="Saving the configuration…" onCancel={save.cancel} />}
      <ErrorNote error={save.error} />
      <StepNav onBack={onBack} onNext={() => void finish()} nextLabel={missing > 0 ? 'Save anyway' : 'Save'} nextDisabled={!result || save.busy} />
    </>
  );
}
