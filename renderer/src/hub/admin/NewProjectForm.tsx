/**
 * Admin → a new project: its name, its backend and that backend's settings,
 * and credentials, which are write-only: the hub seals them and never shows
 * them again, so this form is the only place they are ever typed.
 */
import { useState, type FormEvent } from 'react';
import { BACKEND_NAMES, backendInfo, type BackendName } from '../../../../main/common/backends';
import { ErrorNote } from '../../components/ErrorNote';
import type { ShownError } from '../../api/errors';
import type { HubProject } from '../types';
import { parseKeyValues } from './settings-text';
import { useHubAction } from './useHubAction';

export function NewProjectForm({ token, onCreated }: { token: string; onCreated: (p: HubProject) => void }) {
  const [name, setName] = useState('');
  const [backend, setBackend] = useState<BackendName>('local');
  const [settings, setSettings] = useState('');
  const [credentials, setCredentials] = useState('');
  const [problem, setProblem] = useState<ShownError | null>(null);
  const act = useHubAction<HubProject>(token);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    let input: Record<string, unknown>;
    try {
      const s = parseKeyValues(settings, 'Settings');
      const c = parseKeyValues(credentials, 'Credentials');
      input = { name: name.trim(), backend, settings: s, ...(Object.keys(c).length ? { credentials: c } : {}) };
    } catch (err) {
      return setProblem({ code: 'invalid_argument', message: (err as Error).message });
    }
    const made = await act.run('projects.create', input);
    if (made) {
      setCredentials('');
      onCreated(made);
    }
  };

  return (
    <section aria-labelledby="new-project-title">
      <h2 id="new-project-title">New project</h2>
      <form className="hub-form" onSubmit={(e) => void create(e)} aria-label="Create a project">
        <label htmlFor="project-name">Project name</label>
        <input id="project-name" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoComplete="off" />
        <label htmlFor="project-backend">Backend</label>
        <select id="project-backend" value={backend} onChange={(e) => setBackend(e.target.value as BackendName)}>
          {BACKEND_NAMES.map((b) => (
            <option key={b} value={b}>
              {backendInfo(b).label}
            </option>
          ))}
        </select>
        <label htmlFor="project-settings">Settings</label>
        <textarea id="project-settings" value={settings} onChange={(e) => setSettings(e.target.value)} spellCheck={false}
          placeholder={backend === 'local' ? 'none needed' : 'region=eu-west-1\nbucket=team-runs\nsubnet=subnet-0abc'} />
        <label htmlFor="project-credentials">Credentials (write-only)</label>
        <textarea id="project-credentials" value={credentials} onChange={(e) => setCredentials(e.target.value)} spellCheck={false} autoComplete="off"
          placeholder={backend === 'local' ? 'none needed' : 'accessKeyId=AKIA…\nsecretAccessKey=…'} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!name.trim() || act.busy}>
            Create project
          </button>
        </div>
      </form>
      <p className="muted">One key=value a line. The hub encrypts credentials and never shows them again, not even to admins.</p>
      <ErrorNote error={problem ?? act.error} />
    </section>
  );
}
