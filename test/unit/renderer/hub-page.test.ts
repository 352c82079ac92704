// @vitest-environment jsdom
// The hub page's pure parts: settings typed as key=value lines (a bad line
// named by number), the sign-in error a person can act on, the routes that
// keep the token out of every URL, and what each role may do in the UI.
import { describe, expect, it } from 'vitest';
import { DstackError } from '../../../main/common/errors';
import { hubRoutes } from '../../../renderer/src/api/hub-client';
import { parseKeyValues } from '../../../renderer/src/hub/admin/settings-text';
import { capabilitiesOf } from '../../../renderer/src/hub/HubProject';
import { signInError } from '../../../renderer/src/hub/SignIn';

describe('parseKeyValues', () => {
  it('reads one key=value a line, trimming and skipping blank lines', () => {
    expect(parseKeyValues(' region = eu-west-1\n\nbucket=runs=a\n', 'Settings')).toEqual({ region: 'eu-west-1', bucket: 'runs=a' });
  });
  it('names the field and the line that is not key=value', () => {
    expect(() => parseKeyValues('region=x\nbucket', 'Settings')).toThrow('Settings, line 2: "bucket" is not key=value.');
  });
});

describe('signInError', () => {
  it('turns the hub\'s 401 into what the token holder can do', () => {
    const e = signInError(new DstackError('credentials', 'Unauthorized: …', { fix: 'Send `Authorization: Bearer`' }));
    expect(e.message).toBe('The hub did not accept this token: it is mistyped, or it was revoked or replaced by a new one.');
    expect(e.fix).toMatch(/ask them for a new one/);
  });
  it('keeps any other error as the hub said it', () => {
    expect(signInError(new DstackError('unavailable', 'Cannot reach the hub at x.', { fix: 'Check it.' })).message).toBe('Cannot reach the hub at x.');
  });
});

describe('hubRoutes', () => {
  it('puts the token in the header and the socket subprotocol, never in a URL', () => {
    const r = hubRoutes('team', 'dsh_secret', 'http://127.0.0.1:8733');
    expect(r.op('runs.list')).toBe('http://127.0.0.1:8733/api/v1/projects/team/ops/runs.list');
    expect(r.events).toBe('ws://127.0.0.1:8733/api/v1/projects/team/events');
    expect(r.headers).toEqual({ authorization: 'Bearer dsh_secret' });
    expect(r.protocols).toEqual(['dstack.bearer', 'dstack.token.dsh_secret']);
    expect(r.credentials).toBe('omit');
    expect([r.op('runs.list'), r.events, r.probe].join(' ')).not.toContain('dsh_secret');
  });
});

describe('capabilitiesOf', () => {
  it('gives read no Run/Stop/Remove and no Secrets, run and admin both; none gets the machine\'s own setup', () => {
    expect(capabilitiesOf('read', null)).toMatchObject({ run: false, secrets: false, local: false });
    expect(capabilitiesOf('run', null)).toMatchObject({ run: true, secrets: true, local: false });
    expect(capabilitiesOf('admin', null)).toMatchObject({ run: true, secrets: true, local: false });
  });
});
