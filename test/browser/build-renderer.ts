/**
 * Builds the renderer into out/renderer when it is missing or older than its
 * sources, so the browser tests and the bench always load current code. It
 * uses the app's electron-vite config when present (the real build), and a
 * plain Vite build of renderer/ otherwise, with the same output folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const RENDERER_OUT = join(ROOT, 'out', 'renderer');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function rendererIsStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const sources = Math.max(newest(join(ROOT, 'renderer')), newest(join(ROOT, 'main', 'common')));
  return statSync(index).mtimeMs < sources;
}

export async function buildRenderer(force = false): Promise<void> {
  if (!force && !rendererIsStale()) return;
  const config = join(ROOT, 'main', 'electron.vite.config.ts');
  if (existsSync(config)) {
    execFileSync('npx', ['electron-vite', 'build', '-c', config], { cwd: ROOT, stdio: 'inherit' });
    return;
  }
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    root: join(ROOT, 'renderer'),
    base: './',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: RENDERER_OUT, emptyOutDir: true },
  });
}
