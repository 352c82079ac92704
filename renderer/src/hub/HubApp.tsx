/**
 * The team hub's page: sign in with a token, pick one of your projects,
 * then the app's own shell for it (runs, log, artifacts) with what your
 * role allows; a hub admin also gets the Admin pages. A token that stops
 * working (revoked, rotated), or removal from the open project, brings back
 * the sign-in form, saying why, with the token forgotten.
 */
import { useCallback, useEffect, useState } from 'react';
import { hubAction, hubToken } from '../api/hub-client';
import type { ShownError } from '../api/errors';
import { AdminView } from './admin/AdminView';
import { HubNav, type Place } from './HubNav';
import { HubProject } from './HubProject';
import { HubShell } from './HubShell';
import { ProjectList } from './ProjectList';
import { SignIn, signInError } from './SignIn';
import type { Me } from './types';
import './hub.css';

const SIGNED_OUT: ShownError = {
  code: 'credentials',
  message: 'Your token stopped working: a hub admin revoked it or gave you a new one.',
  fix: 'Sign in with your new token, or ask your hub admin for one.',
};

/** What the sign-in form says when the hub ended this page's access: the hub's own sentence when it gave one. */
export function signedOutNotice(why: string | null): ShownError {
  if (!why) return SIGNED_OUT;
  return { code: 'credentials', message: why, fix: 'Sign in again with a token that still works; ask your hub admin if you have none.' };
}

export function HubApp() {
  const [token, setToken] = useState<string | null>(hubToken.get);
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<ShownError | null>(null);
  const [place, setPlace] = useState<Place>({ kind: 'projects' });

  const signOut = useCallback((why: ShownError | null) => {
    hubToken.clear();
    setToken(null);
    setMe(null);
    setNotice(why);
    setPlace({ kind: 'projects' });
  }, []);

  /** Re-reads who we are and our projects (after an admin change, or on a reload with a kept token). */
  const refresh = useCallback(() => {
    if (!token) return;
    hubAction<Me>('me', token).then(setMe, (err: unknown) => signOut(signInError(err)));
  }, [token, signOut]);
  useEffect(() => {
    if (token && !me) refresh();
  }, [token]);

  useEffect(() => {
    document.title = place.kind === 'admin' ? 'Admin — dstack hub' : 'dstack hub';
  }, [place]);

  if (!token || !me) {
    if (token && !me) return <main className="loading" id="main"><p role="status">Signing in…</p></main>;
    return (
      <SignIn notice={notice} onSignedIn={(t, m) => {
        hubToken.set(t);
        setToken(t);
        setMe(m);
        setNotice(null);
        if (m.projects.length === 1 && !m.user.admin) setPlace({ kind: 'project', name: m.projects[0]!.name });
      }} />
    );
  }

  const nav = <HubNav me={me} place={place} go={setPlace} signOut={() => signOut(null)} />;
  const project = place.kind === 'project' ? me.projects.find((p) => p.name === place.name) : undefined;
  if (project) return <HubProject key={project.name} project={project} token={token} nav={nav} onSignedOut={(why) => signOut(signedOutNotice(why))} />;
  return (
    <HubShell me={me} nav={nav}>
      {place.kind === 'admin' ? <AdminView tab={place.tab} token={token} onChanged={refresh} /> : <ProjectList me={me} onOpen={(name) => setPlace({ kind: 'project', name })} />}
    </HubShell>
  );
}
