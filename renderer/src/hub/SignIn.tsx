/**
 * The hub page's first screen: the token a hub admin handed out. Each way
 * it can fail says what to do: a token the hub does not know (mistyped,
 * revoked or replaced), a hub that does not answer. The token goes only to
 * the hub, in a header; the page keeps it for this tab (sessionStorage).
 */
import { useState, type FormEvent } from 'react';
import { KeyRound } from 'lucide-react';
import { describeError, type ShownError } from '../api/errors';
import { hubAction } from '../api/hub-client';
import { ErrorNote } from '../components/ErrorNote';
import type { Me } from './types';

/** The sign-in error in the words of the person holding the token. */
export function signInError(err: unknown): ShownError {
  const e = describeError(err);
  if (e.code === 'credentials') {
    return {
      code: e.code,
      message: 'The hub did not accept this token: it is mistyped, or it was revoked or replaced by a new one.',
      fix: 'Paste the token exactly as your hub admin gave it (it starts with dsh_), or ask them for a new one.',
    };
  }
  return e;
}

export function SignIn({ notice, onSignedIn }: { notice: ShownError | null; onSignedIn: (token: string, me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ShownError | null>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(t, await hubAction<Me>('me', t));
    } catch (err) {
      setError(signInError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="loading hub-signin" id="main">
      <h1>
        <KeyRound size={20} aria-hidden /> Sign in to the team hub
      </h1>
      <p className="muted">{window.location.host}</p>
      <form className="row" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label htmlFor="hub-token">Token</label>
        <input id="hub-token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} placeholder="dsh_…" />
        <button type="submit" className="primary" disabled={!token.trim() || busy}>
          Sign in
        </button>
      </form>
      <p className="muted">Your hub admin gives you a token. It stays in this tab only and is sent to this hub alone.</p>
      <ErrorNote error={error} />
    </main>
  );
}
