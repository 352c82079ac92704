/** Entry point: picks the transport and mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createClient } from './api/client';
import { ApiProvider } from './api/context';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ApiProvider client={createClient()}>
        <App />
      </ApiProvider>
    </StrictMode>,
  );
}
