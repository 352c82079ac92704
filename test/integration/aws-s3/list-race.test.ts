// The race of test/helpers/list-race-case.ts on S3 (s3rver): S3 pages are
// separate requests, so a listing of many pages can miss a run's moving head.
import { describe } from 'vitest';
import { listRaceCase } from '../../helpers/list-race-case';
import { useLocalBackendOnS3, useS3 } from './setup';

const backend = useLocalBackendOnS3(useS3());

describe('a listing racing a status change on S3 storage', () => {
  listRaceCase(backend, 'on S3');
});
