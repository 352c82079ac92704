/**
 * Which member opened which project event socket. A token is checked when a
 * socket opens, and a socket then lives for hours; without this, revoking a
 * user, rotating their token or removing them from a project would leave
 * their open sockets streaming the project's runs and logs. So every change
 * of access closes the sockets it takes access from, with a close code and
 * reason the page and the CLI show; their reconnect then meets the check.
 */
import type { WebSocket } from 'ws';

/** The close code for a socket whose access was taken away (4000–4999 are the application's). */
export const ACCESS_REVOKED_CLOSE = 4001;

export class UserSockets {
  private readonly open = new Map<string, Set<{ project: string; ws: WebSocket }>>();

  add(user: string, project: string, ws: WebSocket): void {
    const mine = this.open.get(user) ?? new Set();
    this.open.set(user, mine);
    const entry = { project, ws };
    mine.add(entry);
    ws.once('close', () => {
      mine.delete(entry);
      if (mine.size === 0 && this.open.get(user) === mine) this.open.delete(user);
    });
  }

  /** Closes the user's sockets, in every project or in one; returns how many. */
  close(user: string, why: string, project?: string): number {
    let closed = 0;
    for (const entry of this.open.get(user) ?? []) {
      if (project !== undefined && entry.project !== project) continue;
      entry.ws.close(ACCESS_REVOKED_CLOSE, why);
      closed++;
    }
    return closed;
  }
}

/** Which sockets an admin action takes access from: a user's (revoke, rotate), or a user's in one project (member removed). */
export function socketsToClose(action: string, input: unknown): { user: string; project?: string; why: string } | undefined {
  const i = (input ?? {}) as { name?: unknown; user?: unknown; project?: unknown };
  if ((action === 'users.revoke' || action === 'users.rotate') && typeof i.name === 'string') {
    return { user: i.name, why: action === 'users.revoke' ? 'Your hub access was revoked.' : 'Your hub token was replaced: sign in with the new one.' };
  }
  if (action === 'members.remove' && typeof i.user === 'string' && typeof i.project === 'string') {
    return { user: i.user, project: i.project, why: `You are no longer a member of ${i.project}.` };
  }
  return undefined;
}
