/**
 * The HTTP status each API error code answers with, for `dstack server` and
 * the team hub alike, so a client sees the same status for the same error
 * from either. A code not listed (a precondition, a permission, a quota)
 * is 422: the request was understood but cannot be done as asked.
 */
import type { ErrorCode } from '../common/errors';

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  invalid_workflow: 400,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 422;
}
