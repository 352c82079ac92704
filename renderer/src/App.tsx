/**
 * The root: asks `main/` whether a backend is configured, then shows the
 * wizard or the main screen, with Settings reachable from the header.
 */
import { useEffect, useState } from 'react';
import { useApi } from './api/context';
import { describeError, type ShownError } from './api/errors';
import { ErrorNote } from './components/ErrorNote';
import { MainScreen } from './MainScreen';
import { Settings } from './settings/Settings';
import { useAppStore } from './store';
import { Wizard } from './wizard/Wizard';

export function App() {
  const api = useApi();
  const { screen, started, setScreen, editConfig, wizardDraft } = useAppStore();
  const [error, setError] = useState<ShownError | null>(null);

  const start = () => {
    setError(null);
    Promise.all([api.call('app.info', undefined), api.call('setup.get', undefined)]).then(
      ([info, setup]) => started(info, setup.config),
      (err) => setError(describeError(err)),
    );
  };
  useEffect(start, [api, started]);

  return (
    <>
      <header className="app-header">
        <span className="brand">dstack</span>
        {(screen === 'main' || screen === 'settings') && (
          <button type="button" onClick={() => setScreen(screen === 'settings' ? 'main' : 'settings')} aria-pressed={screen === 'settings'}>
            Settings
          </button>
        )}
      </header>
      {screen === 'loading' && (
        <main className="loading">
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
      {screen === 'settings' && <Settings onEdit={editConfig} onClose={() => setScreen('main')} />}
      {screen === 'main' && <MainScreen />}
    </>
  );
}
