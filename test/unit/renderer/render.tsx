/** Renders a component inside the ApiProvider with a fake client. */
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { ApiProvider } from '../../../renderer/src/api/context';
import { FakeApi, type Handlers } from './fake-api';

export function renderWithApi(ui: ReactElement, handlers: Handlers) {
  const api = new FakeApi(handlers);
  return { api, ...render(<ApiProvider client={api}>{ui}</ApiProvider>) };
}
