// The race of test/helpers/list-race-case.ts on the local backend's real
// files: a directory read is several getdents calls, so a listing can miss a
// run's moving head.
import { describe } from 'vitest';
import { listRaceCase } from '../../helpers/list-race-case';
import { useLocalBackend } from './fixtures';

const backend = useLocalBackend();

describe('a listing racing a status change on local storage', () => {
  listRaceCase(backend, 'on local files');
});
