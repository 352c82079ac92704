/** A token just issued: shown this once (the hub keeps only its hash), with a copy button. */
import { CopyButton } from '../../components/CopyButton';
import type { IssuedToken } from '../types';

export function TokenOnce({ issued, onDone }: { issued: IssuedToken; onDone: () => void }) {
  return (
    <div className="token-once" role="status" aria-label={`Token for ${issued.user.name}`}>
      <span>
        Token for <strong>{issued.user.name}</strong>, shown only this once: hand it to them now.
      </span>
      <code>{issued.token}</code>
      <CopyButton text={issued.token} label={`Copy the token for ${issued.user.name}`} />
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
