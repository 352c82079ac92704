/**
 * Opening `dstack server`'s page in a browser without its token in any
 * process's argv: the opener (xdg-open, open, start) and the browser it
 * starts keep their arguments in argv, which every local user can read with
 * `ps`. As Jupyter does, the tokened URL goes into a small HTML file that
 * redirects to it, in a folder only we can read, and the opener gets the
 * file's path.
 */
import { spawn } from 'node:child_process';
import { chmod, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DstackError } from '../common/errors';

/** `{home}/server`, made 0700 and checked to be our own real folder (not a symlink another user planted). */
async function privateFolder(home: string): Promise<string> {
  const dir = join(home, 'server');
  await mkdir(home, { recursive: true, mode: 0o700 });
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new DstackError('permission', `${dir} is not a folder of this user (it is ${info.isSymbolicLink() ? 'a symlink' : `owned by uid ${info.uid}`}).`, {
      fix: `Remove ${dir} and start dstack server again.`,
    });
  }
  if (info.mode & 0o077) await chmod(dir, 0o700);
  return dir;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Writes `{home}/server/open-{port}.html` (0600), a page that redirects to
 * `url`, and returns its path. A stale file from a server that was killed is
 * replaced; the new one is created exclusively, so a planted symlink is never followed.
 */
export async function writeOpenPage(home: string, port: number, url: string): Promise<string> {
  const file = join(await privateFolder(home), `open-${port}.html`);
  await rm(file, { force: true });
  const href = escapeHtml(url);
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Opening dstack</title></head>
<body><p>Opening dstack. If nothing happens, <a href="${href}">open it here</a>.</p></body></html>
`;
  await writeFile(file, html, { flag: 'wx', mode: 0o600 });
  return file;
}

/** Removes the page when the server stops: the token inside it is no longer needed. */
export async function removeOpenPage(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Opens a local file in the default browser; a failure only means the user opens the printed URL by hand. */
export function openInBrowser(file: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', file]] : ['xdg-open', [file]];
  try {
    spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
  } catch {
    // No opener on this machine: the printed URL is enough.
  }
}
