/**
 * AWS credentials: a profile from `~/.aws` (SSO ones marked), or access keys
 * that `main/` puts in the OS keychain. The secret goes one way only; all
 * the UI ever sees back is the key id's last four characters.
 */
import { useEffect, useState } from 'react';
import type { AwsProfile } from '../../../main/common/api/operations';
import { accessKeyIdProblem, secretAccessKeyProblem } from '../../../main/common/fields';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { FieldProblem } from '../components/FieldProblem';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

const KEYS = '__keys__';

export function CredentialsStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [profiles, setProfiles] = useState<AwsProfile[] | null>(null);
  const [choice, setChoice] = useState<string>(draft.credentials && 'profile' in draft.credentials ? draft.credentials.profile : '');
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const load = useAction(() => api.call('aws.profiles', undefined));
  const verify = useAction(async () => {
    if (choice === KEYS) {
      // main/ checks the pair with AWS before it stores it; the typed secret stays until the stored pair works, so a failure never makes the user paste it again.
      const saved = await api.call('aws.saveKeys', { accessKeyId: keyId.trim(), secretAccessKey: secret.trim() });
      const credentials = { keychainKeyId: saved.keychainKeyId };
      await api.call('aws.identity', { credentials });
      setSecret('');
      return credentials;
    }
    const credentials = { profile: choice };
    await api.call('aws.identity', { credentials });
    return credentials;
  });

  useEffect(() => {
    void load.run().then((list) => {
      if (!list) return;
      setProfiles(list);
      setChoice((c) => c || (draft.credentials && 'keychainKeyId' in draft.credentials ? KEYS : (list[0]?.name ?? KEYS)));
    });
    // Loads once per visit to the step; later edits must not reload it.
  }, []);

  const next = async () => {
    const credentials = await verify.run();
    if (!credentials) return;
    const profileRegion = profiles?.find((p) => p.name === choice)?.region;
    onNext({ step: 'aws-region', credentials, region: draft.region ?? profileRegion });
  };

  const keyIdProblem = keyId.trim() ? accessKeyIdProblem(keyId) : undefined;
  const secretProblem = secret.trim() ? secretAccessKeyProblem(secret) : undefined;
  const keysIncomplete = choice === KEYS && (!keyId.trim() || !secret.trim() || Boolean(keyIdProblem || secretProblem));
  const savedKeyLast4 = draft.credentials && 'keychainKeyId' in draft.credentials ? draft.credentials.keychainKeyId.slice(-4) : null;

  return (
    <>
      {load.busy && <Busy label="Looking for AWS profiles…" onCancel={load.cancel} />}
      <ErrorNote error={load.error} />
      <fieldset className="choices">
        <legend>Which credentials should dstack use?</legend>
        {profiles?.map((p) => (
          <label key={p.name} className="choice">
            <input type="radio" name="credentials" value={p.name} checked={choice === p.name} onChange={() => setChoice(p.name)} />
            <span>
              Profile <strong>{p.name}</strong>
              {p.sso && <span className="badge">SSO</span>}
              {p.region && <span className="muted"> · {p.region}</span>}
            </span>
          </label>
        ))}
        {profiles?.length === 0 && <p className="muted">No profiles found in ~/.aws.</p>}
        <label className="choice">
          <input type="radio" name="credentials" value={KEYS} checked={choice === KEYS} onChange={() => setChoice(KEYS)} />
          <span>Enter access keys (kept in the system keychain)</span>
        </label>
      </fieldset>
      {choice === KEYS && (
        <div className="form-grid">
          {savedKeyLast4 && <p className="muted">Saved key: …{savedKeyLast4}. Enter new keys to replace it.</p>}
          <label htmlFor="key-id">Access key ID</label>
          <input id="key-id" autoComplete="off" spellCheck={false} value={keyId} onChange={(e) => setKeyId(e.target.value)}
            aria-invalid={Boolean(keyIdProblem)} aria-describedby={keyIdProblem ? 'key-id-problem' : undefined} />
          <FieldProblem id="key-id-problem" problem={keyIdProblem} />
          <label htmlFor="key-secret">Secret access key</label>
          <input id="key-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)}
            aria-invalid={Boolean(secretProblem)} aria-describedby={secretProblem ? 'key-secret-problem' : undefined} />
          <FieldProblem id="key-secret-problem" problem={secretProblem} />
        </div>
      )}
      {verify.busy && <Busy label="Checking the credentials with AWS…" onCancel={verify.cancel} />}
      <ErrorNote error={verify.error} />
      <StepNav onBack={onBack} onNext={() => void next()} nextDisabled={!choice || keysIncomplete || verify.busy} />
    </>
  );
}
