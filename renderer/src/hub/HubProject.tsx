/**
 * One hub project in the app's own shell: a client for that project, the
 * member's role as capabilities (a `read` member sees no Run, Stop, Remove
 * or Secrets), downloads fetched with the token, and a token that stops
 * working, or access the hub takes away while the page is open, sends the
 * person back to sign in with the hub's reason.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiProvider } from '../api/context';
import { describeError, type ShownError } from '../api/errors';
import { ErrorNote } from '../components/ErrorNote';
import { setDownloadFetcher } from '../api/browser-download';
import { createHubClient, hubDownloader } from '../api/hub-client';
import { AppShell } from '../App';
import { CapabilitiesProvider, type Capabilities } from '../capabilities';
import { useAppStore } from '../store';
import type { MyProject, ProjectRole } from './types';

/** What a role may do in the UI; the hub enforces the same (OPERATION_ROLES). */
export function capabilitiesOf(role: ProjectRole, nav: ReactNode): Capabilities {
  return { run: role !== 'read', secrets: role !== 'read', local: false, nav, serverName: 'the team hub' };
}

export function HubProject({ project, token, nav, onSignedOut }: { project: MyProject; token: string; nav: ReactNode; onSignedOut: (why: string | null) => void }) {
  const client = useMemo(() => createHubClient(project.name, token), [project.name, token]);
  const { started, openProject } = useAppStore();
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    setDownloadFetcher(hubDownloader(token));
    return () => setDownloadFetcher(null);
  }, [token]);

  useEffect(() => {
    const off = client.onConnection((state) => {
      if (state === 'signed-out') onSignedOut(client.signedOutReason());
    });
    setReady(false);
    client.call('app.info', undefined).then(
      (info) => {
        const where = `${project.name} on ${window.location.host}`;
        started(info, { backend: project.backend, home: where });
        openProject({ id: project.name, name: project.name, displayPath: where });
        setReady(true);
      },
      (err: unknown) => setError(describeError(err)),
    );
    return off;
  }, [client, project.name, project.backend]);

  if (!ready) {
    return (
      <main className="loading" id="main">
        <h1 className="sr-only">{project.name}</h1>
        {error ? <ErrorNote error={error} /> : <p role="status">Loading…</p>}
      </main>
    );
  }
  return (
    <ApiProvider client={client}>
      <CapabilitiesProvider value={capabilitiesOf(project.role, nav)}>
        <AppShell />
      </CapabilitiesProvider>
    </ApiProvider>
  );
}
