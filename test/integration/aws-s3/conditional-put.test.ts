// Conditional writes through the SDK against the S3 stand-in, which answers
// If-None-Match and If-Match with 412 PreconditionFailed as S3 does.
import { describe } from 'vitest';
import { conditionalPutCases } from '../../helpers/conditional-put-cases';
import { useS3 } from './setup';

const f = useS3();

describe('S3 storage conditional writes', () => {
  conditionalPutCases(() => f.storage, 'cond');
});
