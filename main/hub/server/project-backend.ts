/**
 * A hub project's backend config, from its settings in the store, and its
 * keys, from the store's sealed credentials: these go to the backend in
 * memory only (BackendSecrets), never into the config, which runners and
 * UserData get. Each project gets a home of its own under the hub's folder,
 * so a local-backend project's runs, logs and artifacts stay apart.
 */
import { join } from 'node:path';
import type { BackendConfig } from '../../common/config';
import type { BackendSecrets } from '../../backends/index';
import { DstackError } from '../../common/errors';
import type { HubProject } from '../store';

/** Where a project's local state lives: `{hubDir}/projects/{name}` (names are checked when a project is created). */
export function projectHome(hubDir: string, project: string): string {
  return join(hubDir, 'projects', project);
}

function required(project: HubProject, key: string): string {
  const v = project.settings[key];
  if (!v) throw new DstackError('config', `Project "${project.name}" has no ${key} setting.`, { fix: `A hub admin sets it: projects.update with settings.${key}.` });
  return v;
}

/** AWS keys from a project's stored credentials: `accessKeyId` and `secretAccessKey`, and `sessionToken` for temporary ones. */
function awsKeys(project: HubProject, credentials: Record<string, string>): NonNullable<BackendSecrets['aws']> {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (!accessKeyId || !secretAccessKey) {
    throw new DstackError('config', `Project "${project.name}" has stored credentials without accessKeyId and secretAccessKey.`, {
      fix: 'A hub admin stores both: projects.update with credentials {accessKeyId, secretAccessKey}.',
    });
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The project's backend config and, for a project with stored keys, the keys to build it with. */
export function backendSpecFor(hubDir: string, project: HubProject, credentials?: Record<string, string>): { config: BackendConfig; secrets: BackendSecrets } {
  if (project.backend === 'local') return { config: { type: 'local', home: projectHome(hubDir, project.name) }, secrets: {} };
  if (project.backend === 'aws') {
    const s = project.settings;
    const config: BackendConfig = {
      type: 'aws',
      bucket: required(project, 'bucket'),
      region: required(project, 'region'),
      ...(s.profile ? { profile: s.profile } : {}),
      ...(s.subnet ? { subnet: s.subnet } : {}),
    };
    return { config, secrets: credentials ? { aws: awsKeys(project, credentials) } : {} };
  }
  throw new DstackError('config', `Project "${project.name}" uses the ${project.backend} backend, which this hub cannot run yet.`, {
    fix: 'Use a local or aws project.',
  });
}
