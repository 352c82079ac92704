/** Entry point: picks the transport and mounts the app, or the team hub's page when a hub served it. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createClient } from './api/client';
import { ApiProvider } from './api/context';
import { isHubPage } from './api/hub-client';
import { HubApp } from './hub/HubApp';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  void (window.dstack ? Promise.resolve(false) : isHubPage()).then((hub) =>
    createRoot(root).render(
      <StrictMode>
        {hub ? (
          <HubApp />
        ) : (
          <ApiProvider client={createClient()}>
            <App />
          </ApiProvider>
        )}
      </StrictMode>,
    ),
  );
}
