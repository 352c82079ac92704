/** The client's connection state as React state; IPC has no such thing and is always connected. */
import { useEffect, useState } from 'react';
import type { ConnectionState } from '../../../main/common/api/operations';
import { useApi } from '../api/context';

export function useConnection(): ConnectionState {
  const api = useApi();
  const [state, setState] = useState<ConnectionState>('connected');
  useEffect(() => api.onConnection?.(setState), [api]);
  return state;
}
