/**
 * A team hub: its URL and the token the hub admin gave, "Test connection"
 * (the hub says who the token is and which projects it may reach, or one
 * sentence on what is wrong: the URL, a hub that is down, a refused token,
 * another version), then a project. Connecting keeps the token in the OS
 * keychain; it is never saved in the draft, and nothing sends it back here.
 */
import { useState } from 'react';
import type { HubCheck } from '../../../main/common/api/operations';
import { backendInfo } from '../../../main/common/backends';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function HubStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [url, setUrl] = useState(draft.hubUrl ?? '');
  const [token, setToken] = useState('');
  const [check, setCheck] = useState<HubCheck | null>(null);
  const [project, setProject] = useState<string | null>(null);
  const test = useAction(() => api.call('hub.test', { url: url.trim(), token: token.trim() }));
  const connect = useAction((name: string) => api.call('hub.connect', { url: url.trim(), token: token.trim(), project: name }));

  /** A changed URL or token needs a new test: the projects shown were those of the old one. */
  const edited = (set: (v: string) => void) => (value: string) => {
    set(value);
    setCheck(null);
    setProject(null);
    test.clearError();
    connect.clearError();
  };

  const runTest = async () => {
    const found = await test.run();
    if (!found) return;
    setCheck(found);
    setProject(found.projects.length === 1 ? found.projects[0]!.name : null);
  };

  const next = async () => {
    if (!project) return;
    if ((await connect.run(project)) !== undefined) onNext({ step: 'done', backend: 'hub', hubUrl: url.trim() });
  };

  return (
    <>
      <div className="form-grid">
        <label htmlFor="hub-url">Hub URL</label>
        <input id="hub-url" autoComplete="off" spellCheck={false} value={url} placeholder="https://hub.example.com/" onChange={(e) => edited(setUrl)(e.target.value)} />
        <label htmlFor="hub-token">Token</label>
        <input id="hub-token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => edited(setToken)(e.target.value)} />
      </div>
      <p className="muted">The token goes to the system keychain when you connect; ask the hub admin for one.</p>
      <div className="step-nav">
        <button type="button" onClick={() => void runTest()} disabled={!url.trim() || !token.trim() || test.busy}>
          Test connection
        </button>
      </div>
      {test.busy && <Busy label="Asking the hub…" onCancel={test.cancel} />}
      <ErrorNote error={test.error} />
      {check && (
        <>
          <p role="status">
            Connected as {check.user}.{' '}
            {check.projects.length ? 'Pick the project to use:' : 'You are in no project on this hub yet: ask the hub admin to add you to one.'}
          </p>
          {check.projects.length > 0 && (
            <fieldset className="choices">
              <legend>Project</legend>
              {check.projects.map((p) => (
                <label className="choice" key={p.name}>
                  <input type="radio" name="hub-project" value={p.name} checked={project === p.name} onChange={() => setProject(p.name)} />
                  <span>
                    <strong>{p.name}</strong> — role {p.role}, on {backendInfo(p.backend).label}
                  </span>
                </label>
              ))}
            </fieldset>
          )}
        </>
      )}
      {connect.busy && <Busy label="Connecting…" onCancel={connect.cancel} />}
      <ErrorNote error={connect.error} />
      <StepNav onBack={onBack} onNext={() => void next()} nextLabel="Connect" nextDisabled={!check || !project || connect.busy} />
    </>
  );
}
