/**
 * A hub project's backend config, from its settings in the store. Each
 * project gets a home of its own under the hub's folder, so a local-backend
 * project's runs, logs and artifacts stay apart from every other project's.
 */
import { join } from 'node:path';
import type { BackendConfig } from '../../common/config';
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

export function backendConfigFor(hubDir: string, project: HubProject): BackendConfig {
  if (project.backend === 'local') return { type: 'local', home: projectHome(hubDir, project.name) };
  if (project.backend === 'aws') {
    if (project.hasCredentials) {
      // AwsBackendConfig is plain data that never holds a secret; handing stored keys to the AWS clients needs a credentials hook there first.
      throw new DstackError('config', `Project "${project.name}" has stored AWS keys, which this hub cannot use yet.`, {
        fix: 'Give the project a `profile` setting naming a ~/.aws profile on the hub machine instead of stored keys.',
      });
    }
    const s = project.settings;
    return {
      type: 'aws',
      bucket: required(project, 'bucket'),
      region: required(project, 'region'),
      ...(s.profile ? { profile: s.profile } : {}),
      ...(s.subnet ? { subnet: s.subnet } : {}),
    };
  }
  throw new DstackError('config', `Project "${project.name}" uses the ${project.backend} backend, which this hub cannot run yet.`, {
    fix: 'Use a local or aws project.',
  });
}
