/**
 * Hands the one ApiClient to every component. Tests pass a fake here, which
 * is the UI's whole boundary with `main/`.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../../../main/common/api/operations';

const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}
