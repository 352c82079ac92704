/**
 * The hub's store on SQL, the same on SQLite and Postgres (kysely builds
 * the queries, the database keeps every uniqueness): each admin action and
 * its audit row commit together, every "only one may have it" is an insert
 * under a unique key, and several hub processes on one Postgres need no
 * other coordination.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { ConflictError, DstackError, NotFoundError } from '../common/errors';
import type { HubDb } from './db/connect';
import { openHubDb, parseDatabaseOption } from './db/connect';
import { fromDatabase } from './db/errors';
import { migrateHubDb, unavailable } from './db/migrate';
import type { HubDatabase } from './db/schema';
import type { SecretBox } from './secret-box';
import { HUB_KEY_ENV, hubKeyPath, loadSecretBox } from './secret-box';
import { SqlProjects } from './sql-store-projects';
import { affected, appendAudit, checkName, checkRole, HUB_ACTOR, isForeignKeyViolation, toUser } from './sql-store-rows';
import type { AuditEntry, HubMember, HubProject, HubStore, HubUser, IssuedToken, ProjectRole } from './store';
import { looksLikeToken, newToken, tokenHash, tokenMatches } from './tokens';

export interface OpenHubStoreOptions {
  /** DSTACK_HOME: the default SQLite file and the key file live in its `hub/` folder. */
  home: string;
  /** `--database`: a `postgresql://` URL or a SQLite file; the default is DSTACK_HOME/hub/hub.db. */
  database?: string;
  /** Where DSTACK_HUB_KEY is read from. */
  env?: NodeJS.ProcessEnv;
  /** Postgres connections per hub process. */
  poolSize?: number;
}

/** Opens the database, migrates it to this release and checks the credentials key against it. */
export async function openHubStore(opts: OpenHubStoreOptions): Promise<SqlHubStore> {
  const box = await loadSecretBox(opts.home, opts.env);
  const hub = await openHubDb(parseDatabaseOption(opts.database, opts.home), { poolSize: opts.poolSize });
  try {
    await migrateHubDb(hub);
    await checkKey(hub, box, opts);
  } catch (err) {
    await hub.db.destroy();
    throw err;
  }
  return new SqlHubStore(hub, box);
}

const KEY_CHECK = 'key check';

/**
 * The first hub process stores a value sealed with its key; every later one
 * must open it. A hub started with another key (a second machine without
 * DSTACK_HUB_KEY) stops at once instead of failing on each project later.
 */
async function checkKey(hub: HubDb, box: SecretBox, opts: OpenHubStoreOptions): Promise<void> {
  let value: string;
  try {
    await hub.db.insertInto('hub_meta').values({ key: KEY_CHECK, value: box.seal(KEY_CHECK, KEY_CHECK) }).onConflict((oc) => oc.doNothing()).execute();
    value = (await hub.db.selectFrom('hub_meta').select('value').where('key', '=', KEY_CHECK).executeTakeFirstOrThrow()).value;
  } catch (err) {
    throw unavailable(hub, err);
  }
  try {
    box.open(value, KEY_CHECK);
  } catch {
    const key = (opts.env ?? process.env)[HUB_KEY_ENV] ? HUB_KEY_ENV : hubKeyPath(opts.home);
    throw new DstackError('config', `The hub's key (${key}) is not the key that encrypted the credentials in ${hub.shown}.`, {
      fix: `Start every hub process on this database with the key of the first one: the same ${HUB_KEY_ENV}, or a copy of its secret.key file (mode 0600).`,
    });
  }
}

function noUser(name: string): NotFoundError {
  return new NotFoundError(`There is no user named "${name}" on this hub.`, 'List the users on the hub admin page.');
}

export class SqlHubStore implements HubStore {
  readonly projects: SqlProjects;
  readonly #db: Kysely<HubDatabase>;

  constructor(hub: HubDb, box: SecretBox) {
    this.#db = hub.db;
    this.projects = new SqlProjects(hub.db, box);
    // Every call reports a database that is down as one typed sentence (db/errors.ts), whichever method it is.
    for (const name of Object.getOwnPropertyNames(SqlHubStore.prototype) as (keyof this & string)[]) {
      const method = this[name];
      if (name === 'constructor' || typeof method !== 'function') continue;
      const call = (method as (...args: unknown[]) => Promise<unknown>).bind(this);
      Object.defineProperty(this, name, { value: (...args: unknown[]) => call(...args).catch((err: unknown) => Promise.reject(fromDatabase(err, hub.shown))) });
    }
  }

  /**
   * Claims the one `bootstrap` row first: on Postgres a second hub process
   * starting at the same moment waits on that key, then finds it taken, so
   * exactly one first admin is made.
   */
  async bootstrapAdmin(name: string): Promise<IssuedToken | undefined> {
    checkName('user', name);
    return this.#db.transaction().execute(async (trx) => {
      const claim = await trx.insertInto('hub_meta').values({ key: 'bootstrap', value: name }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (affected(claim.numInsertedOrUpdatedRows) === 0) return undefined;
      if (await trx.selectFrom('hub_users').select('id').limit(1).executeTakeFirst()) return undefined;
      const issued = await insertUser(trx, name, true);
      await appendAudit(trx, HUB_ACTOR, 'users.bootstrap', name);
      return issued;
    });
  }

  async createUser(actor: string, name: string, opts: { admin?: boolean } = {}): Promise<IssuedToken> {
    checkName('user', name);
    return this.#db.transaction().execute(async (trx) => {
      const issued = await insertUser(trx, name, opts.admin === true);
      if (!issued) throw new ConflictError(`A user named "${name}" already exists on this hub.`, 'Pick another name, or rotate that user\'s token.');
      await appendAudit(trx, actor, 'users.create', name);
      return issued;
    });
  }

  async listUsers(): Promise<HubUser[]> {
    return (await this.#db.selectFrom('hub_users').selectAll().orderBy('name').execute()).map(toUser);
  }

  /** One UPDATE swaps the hash: the old token stops working the moment the new one exists. */
  async rotateToken(actor: string, name: string): Promise<IssuedToken> {
    const token = newToken();
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.updateTable('hub_users').set({ token_hash: tokenHash(token) }).where('name', '=', name).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
      if (!row) {
        const user = await trx.selectFrom('hub_users').select('revoked_at').where('name', '=', name).executeTakeFirst();
        if (!user) throw noUser(name);
        throw new ConflictError(`The user "${name}" is revoked and gets no new token.`, 'Create a new user for them instead.');
      }
      await appendAudit(trx, actor, 'users.rotate', name);
      return { user: toUser(row), token };
    });
  }

  async revokeUser(actor: string, name: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = Date.now();
      const updated = await trx
        .updateTable('hub_users')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
        .where('name', '=', name)
        .executeTakeFirst();
      if (affected(updated.numUpdatedRows) === 0) throw noUser(name);
      await appendAudit(trx, actor, 'users.revoke', name);
    });
  }

  /** Found by hash, then compared in constant time; malformed, unknown and revoked tokens all give undefined. */
  async authenticate(token: string): Promise<HubUser | undefined> {
    if (typeof token !== 'string' || !looksLikeToken(token)) return undefined;
    const row = await this.#db.selectFrom('hub_users').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    if (!row || !tokenMatches(token, row.token_hash) || row.revoked_at !== null) return undefined;
    return toUser(row);
  }

  createProject(actor: string, project: Parameters<HubStore['createProject']>[1]): Promise<HubProject> {
    return this.projects.create(actor, project);
  }
  updateProject(actor: string, name: string, patch: Parameters<HubStore['updateProject']>[2]): Promise<HubProject> {
    return this.projects.update(actor, name, patch);
  }
  deleteProject(actor: string, name: string): Promise<void> {
    return this.projects.delete(actor, name);
  }
  getProject(name: string): Promise<HubProject | undefined> {
    return this.projects.get(name);
  }
  listProjects(): Promise<HubProject[]> {
    return this.projects.list();
  }
  projectCredentials(name: string): Promise<Record<string, string> | undefined> {
    return this.projects.credentials(name);
  }

  /** Adds the member or changes their role, in one INSERT … SELECT … ON CONFLICT UPDATE. */
  async setMember(actor: string, member: HubMember): Promise<void> {
    checkRole(member.role);
    await this.#db.transaction().execute(async (trx) => {
      const done = await trx
        .insertInto('hub_members')
        .columns(['project', 'user_id', 'role'])
        .expression((eb) =>
          eb
            .selectFrom(['hub_projects', 'hub_users'])
            .select(['hub_projects.name', 'hub_users.id', eb.val(member.role).as('role')])
            .where('hub_projects.name', '=', member.project)
            .where('hub_users.name', '=', member.user),
        )
        .onConflict((oc) => oc.columns(['project', 'user_id']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
        .executeTakeFirst();
      if (affected(done.numInsertedOrUpdatedRows) === 0) throw await this.#missing(trx, member.project, member.user);
      await appendAudit(trx, actor, 'members.set', `${member.project}/${member.user} as ${member.role}`);
    });
  }

  async removeMember(actor: string, project: string, user: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('hub_members')
        .where('project', '=', project)
        .where('user_id', 'in', (eb) => eb.selectFrom('hub_users').select('id').where('name', '=', user))
        .executeTakeFirst();
      if (affected(deleted.numDeletedRows) === 0) throw await this.#missing(trx, project, user);
      await appendAudit(trx, actor, 'members.remove', `${project}/${user}`);
    });
  }

  /** Why a member row was not written: which of project and user does not exist, or not a member. */
  async #missing(trx: Transaction<HubDatabase>, project: string, user: string): Promise<NotFoundError> {
    if (!(await trx.selectFrom('hub_projects').select('name').where('name', '=', project).executeTakeFirst())) {
      return new NotFoundError(`There is no project named "${project}" on this hub.`, 'Create the project first.');
    }
    if (!(await trx.selectFrom('hub_users').select('id').where('name', '=', user).executeTakeFirst())) return noUser(user);
    return new NotFoundError(`"${user}" is not a member of project "${project}".`);
  }

  async members(project: string): Promise<HubMember[]> {
    const rows = await this.#db
      .selectFrom('hub_members')
      .innerJoin('hub_users', 'hub_users.id', 'hub_members.user_id')
      .select(['hub_members.project', 'hub_users.name', 'hub_members.role'])
      .where('hub_members.project', '=', project)
      .orderBy('hub_users.name')
      .execute();
    return rows.map((r) => ({ project: r.project, user: r.name, role: r.role as ProjectRole }));
  }

  async roleOf(user: string, project: string): Promise<ProjectRole | undefined> {
    const row = await this.#db
      .selectFrom('hub_members')
      .innerJoin('hub_users', 'hub_users.id', 'hub_members.user_id')
      .select('hub_members.role')
      .where('hub_members.project', '=', project)
      .where('hub_users.name', '=', user)
      .executeTakeFirst();
    return row?.role as ProjectRole | undefined;
  }

  /** INSERT … ON CONFLICT DO NOTHING under the (project, run_name) key: the database decides who has it. */
  async claimRunName(project: string, runName: string): Promise<boolean> {
    try {
      const inserted = await this.#db
        .insertInto('hub_run_names')
        .values({ project, run_name: runName, claimed_at: Date.now() })
        .onConflict((oc) => oc.columns(['project', 'run_name']).doNothing())
        .executeTakeFirst();
      return affected(inserted.numInsertedOrUpdatedRows) === 1;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new NotFoundError(`There is no project named "${project}" on this hub.`);
      throw err;
    }
  }

  /** Newest first; at most 1000 rows a call. */
  async audit(opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.min(Math.floor(opts.limit ?? 100), 1000));
    const rows = await this.#db.selectFrom('hub_audit').select(['at', 'actor', 'action', 'target']).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ at: Number(r.at), actor: r.actor, action: r.action, target: r.target }));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

/** A new user row with a fresh token; undefined when the name (or, improbably, the token hash) is taken. */
async function insertUser(trx: Transaction<HubDatabase>, name: string, admin: boolean): Promise<IssuedToken | undefined> {
  const token = newToken();
  const row = { id: randomUUID(), name, admin: admin ? 1 : 0, token_hash: tokenHash(token), created_at: Date.now(), revoked_at: null };
  const inserted = await trx.insertInto('hub_users').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (affected(inserted.numInsertedOrUpdatedRows) === 0) return undefined;
  return { user: toUser(row), token };
}
