/**
 * Opens a project. In Electron `projects.open({})` shows the system folder
 * dialog, so no path ever comes from the renderer; in a browser (dstack
 * server) there is no dialog, so the user types the folder's path.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { ProjectInfo } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { ErrorNote } from '../components/ErrorNote';
import { Busy } from '../components/Busy';
import { useAction } from '../components/useAction';

/** The folder `projects.open` offers to set up, when its error says it can. */
function canInit(details: unknown): string | undefined {
  const d = details as { canInit?: boolean; folder?: string } | undefined;
  return d?.canInit ? (d.folder ?? 'this folder') : undefined;
}

export function ProjectPicker({ transport, onOpen }: { transport: 'ipc' | 'http'; onOpen: (p: ProjectInfo) => void }) {
  const api = useApi();
  const [recent, setRecent] = useState<ProjectInfo[]>([]);
  const [path, setPath] = useState('');
  const open = useAction((input: { path?: string }) => api.call('projects.open', input));
  const init = useAction((input: { path?: string }) => api.call('projects.init', input));
  const initFolder = canInit(open.error?.details);
  const loadRecent = useAction(() => api.call('projects.recent', undefined));

  useEffect(() => {
    void loadRecent.run().then((list) => list && setRecent(list));
    // Loaded once when the picker shows.
  }, [api]);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    init.clearError();
    const p = await open.run(transport === 'http' ? { path: path.trim() } : {});
    if (p) onOpen(p);
  };

  // The same as `dstack init` in that folder; in the desktop app main remembers the folder just picked.
  const createWorkflows = async () => {
    const p = await init.run(transport === 'http' ? { path: path.trim() } : {});
    if (p) onOpen(p);
  };

  return (
    <section className="project-picker" aria-labelledby="open-title">
      <h1 id="open-title">Open a project</h1>
      <p className="muted">A project is a folder with workflows in .dstack/workflows/*.yaml.</p>
      {transport === 'http' ? (
        <form className="row" onSubmit={(e) => void submit(e)}>
          <label htmlFor="project-path">Project folder</label>
          <input id="project-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/my-project" spellCheck={false} />
          <button type="submit" className="primary" disabled={!path.trim() || open.busy}>
            Open
          </button>
        </form>
      ) : (
        <button type="button" className="primary" onClick={() => void submit()} disabled={open.busy}>
          Open folder…
        </button>
      )}
      {open.busy && <Busy label="Opening the project…" onCancel={open.cancel} />}
      <ErrorNote error={init.error ?? open.error ?? loadRecent.error} />
      {initFolder && !init.error && (
        <p className="row">
          <button type="button" onClick={() => void createWorkflows()} disabled={init.busy}>
            Create .dstack/workflows here
          </button>
          <span className="muted">in {initFolder}</span>
        </p>
      )}
      {recent.length > 0 && (
        <>
          <h2 id="recent-title">Recent projects</h2>
          <ul aria-labelledby="recent-title" className="recent">
            {recent.map((p) => (
              <li key={p.id}>
                <button type="button" className="link" onClick={() => onOpen(p)} aria-label={`Open ${p.name}`}>
                  {p.name}
                </button>{' '}
                <span className="muted">{p.displayPath}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
