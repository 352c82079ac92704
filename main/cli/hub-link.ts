/**
 * The app's and `dstack server`'s way to a team hub (the service's
 * `HubLink`), made of the CLI's own pieces: `checkHub` and `configHub` for
 * the test and the connection (the same messages for a wrong URL, a hub that
 * is down, a refused token or another API version), the connection file and
 * keychain entry `dstack config hub` uses, and the CLI's HubClient for every
 * call and the events socket. So a machine connected from the app is
 * connected for the CLI too, and the other way round.
 */
import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HubCheck } from '../common/api/operations';
import type { BackendName } from '../common/backends';
import type { ProjectRole } from '../common/hub';
import { downloadTree } from '../core/tree-transfer';
import { Keychain } from '../node/keychain';
import type { HubLink, HubProjectLink } from '../service/hub-link';
import { checkHub, configHub, HUB_CONNECTION_FILE, HUB_KEYCHAIN_SERVICE, parseHubUrl } from './commands/config-hub';
import { openHubClient } from './hub/connection';
import { HubLinkSource } from './hub/link-source';
import { leaveHub } from './hub/leave';

/** `me` as the hub answers it: each project with the caller's role and the project's backend. */
async function whoIs(url: string, token: string): Promise<HubCheck> {
  const me = await checkHub(parseHubUrl(url), token.trim());
  const projects = me.projects as { name: string; role: string; backend?: string }[];
  return {
    user: me.user.name,
    projects: projects.map((p) => ({ name: p.name, role: p.role as ProjectRole, backend: (p.backend ?? 'local') as BackendName })),
  };
}

/** The CLI's hub client behind the service's HubLink; `keychain` is the one `dstack config hub` uses unless a test gives its own. */
export function cliHubLink(keychain = new Keychain(HUB_KEYCHAIN_SERVICE)): HubLink {
  return {
    test: whoIs,
    async connect(home, url, token, project) {
      await configHub(home, { url, project }, token, keychain);
    },
    async open(home): Promise<HubProjectLink | undefined> {
      const saved = await access(join(home, HUB_CONNECTION_FILE)).then(() => true, (err: NodeJS.ErrnoException) => err.code !== 'ENOENT');
      if (!saved) return undefined;
      const client = await openHubClient(home, keychain);
      const { url, project } = client.conn;
      return {
        url,
        project,
        call: (op, input, clientId) => client.call(op, input as never, clientId),
        events: (listener) => client.events(listener),
        check: async () => whoIs(url, (await keychain.get(url)) ?? ''),
        download: async (source, path, isDir, target, task) => {
          const links = new HubLinkSource(client, source, home);
          const onProgress = (p: { bytes: number; total: number }): void => task.progress(p.bytes, p.total);
          if (isDir) return void (await downloadTree(links, `${path}/`, target, { signal: task.signal, onProgress }));
          await mkdir(dirname(target), { recursive: true });
          await links.downloadFile(path, target, { signal: task.signal, onProgress });
        },
      };
    },
    leave: (home) => leaveHub(home),
  };
}
