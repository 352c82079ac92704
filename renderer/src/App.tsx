/**
 * The root: asks `main/` whether a backend is configured, then shows the
 * wizard, or the app shell: a sidebar, the main view, and a status bar, with
 * a banner when the connection goes and toasts for finished actions. The
 * last project reopens by itself.
 */
import { useEffect, useState } from 'react';
import { useApi } from './api/context';
import { describeError, type ShownError } from './api/errors';
import { ErrorNote } from './components/ErrorNote';
import { MainScreen } from './MainScreen';
import { Settings } from './settings/Settings';
import { ConnectionBanner } from './shell/ConnectionBanner';
import { Sidebar } from './shell/Sidebar';
import { StatusBar } from './shell/StatusBar';
import { Toasts } from './shell/Toasts';
import { useConnection } from './shell/useConnection';
import { HubCapabilities } from './shell/hub-capabilities';
import { lastProjectId, useAppStore } from './store';
import { Wizard } from './wizard/Wizard';

export function App() {
  const api = useApi();
  const { screen, started, wizardDraft, openProject, config } = useAppStore();
  const [error, setError] = useState<ShownError | null>(null);
  const connection = useConnection();

  const start = () => {
    setError(null);
    Promise.all([api.call('app.info', undefined), api.call('setup.get', undefined), api.call('projects.recent', undefined)]).then(
      ([info, setup, recent]) => {
        started(info, setup.config);
        const last = recent.find((p) => p.id === lastProjectId());
        if (info.configured && last) openProject(last);
      },
      (err) => setError(describeError(err)),
    );
  };
  useEffect(start, [api, started]);

  if (screen === 'loading' || screen === 'wizard') {
    return (
      <>
        <ConnectionBanner state={connection} />
        {screen === 'loading' && (
          <main className="loading" id="main">
            <h1 className="sr-only">dstack</h1>
            {error ? (
              <>
                <ErrorNote error={error} />
                <button type="button" onClick={start}>
                  Try again
                </button>
              </>
            ) : (
              <p role="status">Loading…</p>
            )}
          </main>
        )}
        {screen === 'wizard' && <Wizard initial={wizardDraft} onFinish={start} />}
        <Toasts />
      </>
    );
  }
  return (
    <HubCapabilities config={config}>
      <AppShell />
    </HubCapabilities>
  );
}

/**
 * The shell around an open app: sidebar, the main view, status bar. The team
 * hub's page mounts it too, with its own client and capabilities.
 */
export function AppShell() {
  const { screen, setScreen, editConfig } = useAppStore();
  const connection = useConnection();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Sidebar />
      <div className="shell-main">
        <ConnectionBanner state={connection} />
        <main id="main" tabIndex={-1}>
          {screen === 'settings' ? <Settings onEdit={editConfig} onClose={() => setScreen('main')} /> : <MainScreen />}
        </main>
      </div>
      <StatusBar connection={connection} />
      <Toasts />
    </div>
  );
}
