/**
 * GCP credentials: Application Default Credentials (gcloud's login, or
 * GOOGLE_APPLICATION_CREDENTIALS), or a service-account JSON key file,
 * which the app reads once into the system keychain. The renderer sends
 * only the path; the key itself never reaches this page.
 */
import { useState } from 'react';
import type { GcpCredentialsRef, GcpIdentity } from '../../../main/common/api/gcp-setup';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function GcpCredentialsStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const saved = draft.gcpCredentials && 'keychainKey' in draft.gcpCredentials ? draft.gcpCredentials.keychainKey.split('/')[0] : null;
  const [choice, setChoice] = useState<'adc' | 'key'>(saved ? 'key' : 'adc');
  const [path, setPath] = useState('');
  const verify = useAction(async (): Promise<{ credentials: GcpCredentialsRef; identity: GcpIdentity }> => {
    if (choice === 'key' && path.trim()) {
      const stored = await api.call('gcp.saveKey', { path: path.trim() });
      return { credentials: { keychainKey: stored.keychainKey }, identity: stored.identity };
    }
    const credentials: GcpCredentialsRef = choice === 'key' && draft.gcpCredentials ? draft.gcpCredentials : { adc: true };
    return { credentials, identity: await api.call('gcp.identity', { credentials }) };
  });

  const next = async () => {
    const r = await verify.run();
    if (!r) return;
    const project = draft.project ?? r.identity.projectId;
    onNext({ step: 'gcp-location', gcpCredentials: r.credentials, ...(project ? { project } : {}) });
  };

  return (
    <>
      <fieldset className="choices">
        <legend>Which credentials should dstack use?</legend>
        <label className="choice">
          <input type="radio" name="gcp-credentials" value="adc" checked={choice === 'adc'} onChange={() => setChoice('adc')} />
          <span>
            Application Default Credentials <span className="muted">(gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS)</span>
          </span>
        </label>
        <label className="choice">
          <input type="radio" name="gcp-credentials" value="key" checked={choice === 'key'} onChange={() => setChoice('key')} />
          <span>A service account key file (kept in the system keychain)</span>
        </label>
      </fieldset>
      {choice === 'key' && (
        <div className="form-grid">
          {saved && <p className="muted">Saved key: {saved}. Give another file to replace it.</p>}
          <label htmlFor="key-file">Key file (JSON)</label>
          <input id="key-file" autoComplete="off" spellCheck={false} value={path} placeholder="/path/to/key.json" onChange={(e) => setPath(e.target.value)} />
        </div>
      )}
      {verify.busy && <Busy label="Checking the credentials…" onCancel={verify.cancel} />}
      <ErrorNote error={verify.error} />
      <StepNav onBack={onBack} onNext={() => void next()} nextDisabled={(choice === 'key' && !path.trim() && !saved) || verify.busy} />
    </>
  );
}
