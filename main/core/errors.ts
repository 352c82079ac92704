/**
 * Errors the core raises beyond the common ones. Each carries a sentence a
 * user can act on, and the fix when there is one.
 */
import { DstackError } from '../common/errors';

/** The request is valid but the thing is in the wrong state for it (a running run cannot be removed). */
export class ConflictError extends DstackError {
  constructor(message: string, fix?: string) {
    super('conflict', message, { fix });
    this.name = 'ConflictError';
  }
}
