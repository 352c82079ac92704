/**
 * Says at once when `dstack server` is gone, and how to get back in when it
 * came back with a new token: retrying cannot help then, so the page asks
 * for the URL the server printed instead of failing every click.
 */
import { useState, type FormEvent } from 'react';
import { KeyRound, WifiOff } from 'lucide-react';
import type { ConnectionState } from '../../../main/common/api/operations';
import { useCapabilities } from '../capabilities';

function tokenUrl(text: string): string | null {
  try {
    const url = new URL(text.trim());
    return url.origin === window.location.origin && url.searchParams.get('token') ? url.href : null;
  } catch {
    return null;
  }
}

export function ConnectionBanner({ state }: { state: ConnectionState }) {
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState('');
  const { serverName = 'dstack server' } = useCapabilities();
  if (state === 'connected') return null;
  if (state === 'reconnecting') {
    return (
      <div className="banner warn" role="alert">
        <WifiOff size={16} aria-hidden /> Reconnecting to {serverName}… Your runs go on; this page catches up when it is back.
      </div>
    );
  }
  const signIn = (e: FormEvent) => {
    e.preventDefault();
    const url = tokenUrl(pasted);
    if (!url) return setProblem(`Paste the whole URL that \`dstack server\` printed; it starts with ${window.location.origin}/?token=`);
    window.location.assign(url);
  };
  return (
    <div className="banner bad" role="alert">
      <KeyRound size={16} aria-hidden />
      <form className="row" onSubmit={signIn} aria-label="Sign in again">
        <span>This page is not signed in to dstack server (it may have restarted with a new token).</span>
        <label htmlFor="signin-url">URL from the terminal</label>
        <input id="signin-url" value={pasted} onChange={(e) => { setPasted(e.target.value); setProblem(''); }} placeholder={`${window.location.origin}/?token=…`} spellCheck={false} />
        <button type="submit" className="primary">Sign in</button>
        {problem && <span className="fix">{problem}</span>}
      </form>
    </div>
  );
}
