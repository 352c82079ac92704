/**
 * Which member opened which project event socket. A token is checked when a
 * socket opens, and a socket then lives for hours; without this, revoking a
 * user, rotating their token or removing them from a project would leave
 * their open sockets streaming the project's runs and logs. So every change
 * of access closes the sockets it takes access from, with a close code and
 * a reason the page shows; the page then asks to sign in again instead of
 * reconnecting.
 */
import type { WebSocket } from 'ws';
import { ACCESS_REVOKED_CLOSE } from '../../common/socket-close';
import type { HubStore } from '../store';

interface Ended {
  seq: number;
  why: string;
}

const memberKey = (user: string, project: string) => `${user}\0${project}`;

export class UserSockets {
  private readonly open = new Map<string, Set<{ project: string; ws: WebSocket }>>();
  /**
   * The last access change per user (key: the name) and per membership
   * (name and project), numbered: a socket whose check passed just before
   * a change but which registers just after it is closed as it registers.
   */
  private readonly ended = new Map<string, Ended>();
  private seq = 0;

  /** Where the sequence of access changes stands; take it before checking a socket's token, pass it to {@link add}. */
  mark(): number {
    return this.seq;
  }

  /** Registers an admitted socket; closes it at once if access was taken away since `checkedAt` (a {@link mark}). */
  add(user: string, project: string, ws: WebSocket, checkedAt: number): void {
    const late = [this.ended.get(user), this.ended.get(memberKey(user, project))].find((e) => e !== undefined && e.seq > checkedAt);
    if (late) return void ws.close(ACCESS_REVOKED_CLOSE, late.why);
    const mine = this.open.get(user) ?? new Set();
    this.open.set(user, mine);
    const entry = { project, ws };
    mine.add(entry);
    ws.once('close', () => {
      mine.delete(entry);
      if (mine.size === 0 && this.open.get(user) === mine) this.open.delete(user);
    });
  }

  /** Closes the user's sockets, in every project or in one, with `why` as the reason; returns how many. */
  close(user: string, why: string, project?: string): number {
    this.ended.set(project === undefined ? user : memberKey(user, project), { seq: ++this.seq, why });
    let closed = 0;
    for (const entry of this.open.get(user) ?? []) {
      if (project !== undefined && entry.project !== project) continue;
      entry.ws.close(ACCESS_REVOKED_CLOSE, why);
      closed++;
    }
    return closed;
  }
}

/** What an admin action took away: a user's access (revoke, rotate), or a user's access to one project. */
export interface AccessTaken {
  user: string;
  project?: string;
  /** One sentence for the person whose page closes; at most 123 bytes, as a close reason must be. */
  why: string;
}

/**
 * Which sockets a succeeded admin action takes access from. Removing a hub
 * admin from a project's members takes nothing: a hub admin sees every project.
 */
export async function accessTaken(store: HubStore, action: string, input: unknown): Promise<AccessTaken | undefined> {
  const i = (input ?? {}) as { name?: unknown; user?: unknown; project?: unknown };
  if (action === 'users.revoke' && typeof i.name === 'string') return { user: i.name, why: 'A hub admin revoked your access to this hub.' };
  if (action === 'users.rotate' && typeof i.name === 'string') return { user: i.name, why: 'A hub admin replaced your token: sign in with the new one they give you.' };
  if (action === 'members.remove' && typeof i.user === 'string' && typeof i.project === 'string') {
    const user = (await store.listUsers()).find((u) => u.name === i.user);
    if (user?.admin) return undefined;
    // Names are at most 64 characters (admin-actions.ts NAME), so this stays within a close reason's 123 bytes.
    return { user: i.user, project: i.project, why: `A hub admin removed you from the project ${i.project}.` };
  }
  return undefined;
}
