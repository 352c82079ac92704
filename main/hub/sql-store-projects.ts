/**
 * The projects half of the SQL store. Credentials go into the database only
 * sealed by the SecretBox and come out only through `projectCredentials`;
 * every listing selects whether they exist, never their value.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BackendName } from '../common/backends';
import { BACKEND_NAMES, isBackendName } from '../common/backends';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../common/errors';
import type { HubDatabase } from './db/schema';
import type { SecretBox } from './secret-box';
import type { Db } from './sql-store-rows';
import { affected, appendAudit, checkName, checkStrings } from './sql-store-rows';
import type { HubProject } from './store';

/** The SecretBox context of a project's credentials: a sealed value cannot be moved to another project's row. */
function credentialContext(project: string): string {
  return `project ${project}`;
}

function seal(box: SecretBox, project: string, credentials: Record<string, string> | undefined): string | null {
  if (credentials === undefined) return null;
  checkStrings('credentials', credentials);
  return Object.keys(credentials).length === 0 ? null : box.seal(JSON.stringify(credentials), credentialContext(project));
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(`There is no project named "${name}" on this hub.`, 'List the projects with the hub admin page, or create it.');
}

/** The columns a listing selects: everything but the credentials, plus whether there are any. */
function selectProjects(db: Db) {
  return db
    .selectFrom('hub_projects')
    .select(['name', 'backend', 'settings', 'created_at', sql<number>`case when credentials is null then 0 else 1 end`.as('has_credentials')]);
}

type ProjectRow = Awaited<ReturnType<ReturnType<typeof selectProjects>['executeTakeFirstOrThrow']>>;

function toProject(row: ProjectRow): HubProject {
  return {
    name: row.name,
    backend: row.backend as BackendName,
    settings: JSON.parse(row.settings) as Record<string, string>,
    hasCredentials: Number(row.has_credentials) === 1,
    createdAt: Number(row.created_at),
  };
}

export class SqlProjects {
  constructor(
    private readonly db: Kysely<HubDatabase>,
    private readonly box: SecretBox,
  ) {}

  async create(actor: string, project: { name: string; backend: BackendName; settings: Record<string, string>; credentials?: Record<string, string> }): Promise<HubProject> {
    checkName('project', project.name);
    if (!isBackendName(project.backend)) {
      throw new InvalidArgumentError(`"${String(project.backend)}" is not a backend this hub knows.`, `Use one of: ${BACKEND_NAMES.join(', ')}.`);
    }
    const settings = JSON.stringify(checkStrings('settings', project.settings ?? {}));
    const credentials = seal(this.box, project.name, project.credentials);
    const now = Date.now();
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('hub_projects')
        .values({ name: project.name, backend: project.backend, settings, credentials, created_at: now, updated_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (affected(inserted.numInsertedOrUpdatedRows) === 0) {
        throw new ConflictError(`A project named "${project.name}" already exists on this hub.`, 'Pick another name, or update that project.');
      }
      await appendAudit(trx, actor, 'projects.create', project.name);
      return toProject(await selectProjects(trx).where('name', '=', project.name).executeTakeFirstOrThrow());
    });
  }

  /** Replaces the settings and/or the credentials given; credentials `{}` removes the stored ones. */
  async update(actor: string, name: string, patch: { settings?: Record<string, string>; credentials?: Record<string, string> }): Promise<HubProject> {
    const values: { updated_at: number; settings?: string; credentials?: string | null } = { updated_at: Date.now() };
    if (patch.settings !== undefined) values.settings = JSON.stringify(checkStrings('settings', patch.settings));
    if (patch.credentials !== undefined) values.credentials = seal(this.box, name, patch.credentials);
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('hub_projects').set(values).where('name', '=', name).executeTakeFirst();
      if (affected(updated.numUpdatedRows) === 0) throw notFound(name);
      await appendAudit(trx, actor, 'projects.update', name);
      return toProject(await selectProjects(trx).where('name', '=', name).executeTakeFirstOrThrow());
    });
  }

  /** Deletes the project with its members and claimed run names (the database cascades). */
  async delete(actor: string, name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('hub_projects').where('name', '=', name).executeTakeFirst();
      if (affected(deleted.numDeletedRows) === 0) throw notFound(name);
      await appendAudit(trx, actor, 'projects.delete', name);
    });
  }

  async get(name: string): Promise<HubProject | undefined> {
    const row = await selectProjects(this.db).where('name', '=', name).executeTakeFirst();
    return row && toProject(row);
  }

  async list(): Promise<HubProject[]> {
    return (await selectProjects(this.db).orderBy('name').execute()).map(toProject);
  }

  async credentials(name: string): Promise<Record<string, string> | undefined> {
    const row = await this.db.selectFrom('hub_projects').select('credentials').where('name', '=', name).executeTakeFirst();
    if (!row || row.credentials === null) return undefined;
    return JSON.parse(this.box.open(row.credentials, credentialContext(name))) as Record<string, string>;
  }
}
