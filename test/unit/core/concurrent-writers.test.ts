// Concurrent submits and status writers on the local backend's real files.
import { describe } from 'vitest';
import { concurrencyCases } from '../../helpers/concurrency-cases';
import { useLocalBackend } from './fixtures';

const backend = useLocalBackend();

describe('concurrent writers on local storage', () => {
  concurrencyCases(backend);
});
