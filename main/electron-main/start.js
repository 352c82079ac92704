// `npm start`. With an Electron binary, it runs the app through electron-vite
// (dev server when --dev is given, else a preview of the build). Without one,
// as on headless CI machines, it says so in one line and points at
// `npx dstack server`, which serves the same UI to a browser. It never
// require()s 'electron': that module tries to download the binary.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The Electron executable electron's own index.js would use, or undefined when it is not installed. */
function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const exe = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : undefined;
}

if (!electronBinary()) {
  console.error('The Electron binary is not installed on this machine; run `npx dstack server` to use the same UI in a browser.');
  process.exit(1);
}

const mode = process.argv.includes('--dev') ? 'dev' : 'preview';
const bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [bin, mode, '-c', 'main/electron.vite.config.ts'], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
