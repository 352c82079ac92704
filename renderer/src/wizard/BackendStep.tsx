/** Step 1: Local (the default, works offline) or AWS. */
import { useState } from 'react';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function BackendStep({ draft, onNext }: StepProps) {
  const api = useApi();
  const [choice, setChoice] = useState<'local' | 'aws'>(draft.backend ?? 'local');
  const useLocal = useAction(() => api.call('setup.useLocal', undefined));

  const next = async () => {
    if (choice === 'aws') return onNext({ backend: 'aws', step: 'aws-credentials' });
    const config = await useLocal.run();
    if (config) onNext({ backend: 'local', step: 'done' });
  };

  return (
    <>
      <fieldset className="choices">
        <legend>Where should workflows run?</legend>
        <label className="choice">
          <input type="radio" name="backend" value="local" checked={choice === 'local'} onChange={() => setChoice('local')} />
          <span>
            <strong>Local</strong> — on this computer. Works offline; nothing to set up.
          </span>
        </label>
        <label className="choice">
          <input type="radio" name="backend" value="aws" checked={choice === 'aws'} onChange={() => setChoice('aws')} />
          <span>
            <strong>AWS</strong> — on EC2 instances in your account, with artifacts in your S3 bucket.
          </span>
        </label>
      </fieldset>
      {useLocal.busy && <Busy label="Setting up the local backend…" onCancel={useLocal.cancel} />}
      <ErrorNote error={useLocal.error} />
      <StepNav onNext={() => void next()} nextLabel={choice === 'local' ? 'Use Local' : 'Next'} nextDisabled={useLocal.busy} />
    </>
  );
}
