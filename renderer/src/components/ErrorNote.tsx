/** An error as a sentence plus its fix, announced to screen readers. */
import type { ShownError } from '../api/errors';

export function ErrorNote({ error }: { error: ShownError | null }) {
  if (!error) return null;
  return (
    <div role="alert" className="error-note">
      <span>{error.message}</span>
      {error.fix && <span className="fix"> {error.fix}</span>}
    </div>
  );
}
