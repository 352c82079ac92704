/**
 * GCP's steps in the app, until they have their own screens: the same
 * setup runs from a terminal (`dstack config gcp`), and Settings then shows
 * what it saved. The command is shown in full so it can be copied.
 */
import { useState } from 'react';
import { useApi } from '../api/context';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function GcpTerminalStep({ onBack, onNext }: StepProps) {
  const api = useApi();
  const [note, setNote] = useState('');
  const check = async () => {
    const { config } = await api.call('setup.get', undefined).catch(() => ({ config: null }));
    if (config?.backend === 'gcp') onNext({ step: 'done' });
    else setNote('No GCP configuration is saved yet: run the command above, then press Done again.');
  };
  return (
    <>
      <p>Set up Google Cloud from a terminal; it checks the credentials, the bucket and the permissions, then saves the configuration this app uses:</p>
      <pre>
        <code>dstack config gcp</code>
      </pre>
      <p className="muted">
        Unattended: <code>dstack config gcp --key-file KEY.json --project-id PROJECT --region us-central1 --yes</code>. Without --key-file it uses Application Default Credentials
        (<code>gcloud auth application-default login</code>).
      </p>
      {note && <p role="alert">{note}</p>}
      <StepNav onBack={onBack} onNext={() => void check()} nextLabel="Done" />
    </>
  );
}
