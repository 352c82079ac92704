// How the app starts its runner (and CLI) without ELECTRON_RUN_AS_NODE: the
// app's own binary with a flag, which the Electron main entry dispatches to
// the program before it creates any window. electron is mocked; the runner's
// entry is mocked too, since loading it starts a runner.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);
const runnerArgv = vi.hoisted(() => ({ seen: undefined as string[] | undefined }));
vi.mock('../../../main/runner/entry', () => {
  runnerArgv.seen = process.argv.slice(2);
  return {};
});

const { electronMock, FakeBrowserWindow } = await import('./electron-mock');
const { startApp } = await import('../../../main/electron-main/app');
const { nodeCommand, programOf, sourceRoot } = await import('../../../main/node/launch');

const packaged = { electron: true, defaultApp: false, execPath: '/opt/dstack Desktop/dstack-desktop', argv: ['/opt/dstack Desktop/dstack-desktop'] };

describe('starting the runner from the app', () => {
  it('runs the packaged app\'s own binary with --dstack-runner, and no ELECTRON_RUN_AS_NODE', () => {
    expect(nodeCommand('runner', packaged)).toEqual({ command: packaged.execPath, args: ['--dstack-runner'], env: {} });
    expect(nodeCommand('cli', packaged)).toEqual({ command: packaged.execPath, args: ['--dstack-cli'], env: {} });
  });

  it('passes the app folder first when Electron runs an unpackaged app', () => {
    const dev = { electron: true, defaultApp: true, execPath: '/x/node_modules/electron/dist/electron', argv: ['/x/node_modules/electron/dist/electron', 'out/main/index.js'] };
    expect(nodeCommand('runner', dev)).toEqual({ command: dev.execPath, args: [resolve('out/main/index.js'), '--dstack-runner'], env: {} });
  });

  it('sets ELECTRON_RUN_AS_NODE on no path, under Electron or Node', () => {
    const runtimes = [packaged, { ...packaged, defaultApp: true, argv: [packaged.execPath, '.'] }, { electron: false, defaultApp: false, execPath: process.execPath, argv: process.argv }];
    for (const rt of runtimes) {
      for (const program of ['runner', 'cli'] as const) {
        const cmd = nodeCommand(program, rt);
        expect(Object.keys(cmd.env)).not.toContain('ELECTRON_RUN_AS_NODE');
        expect(cmd.args.join(' ')).not.toContain('RUN_AS_NODE');
      }
    }
  });

  it('leaves no code that sets ELECTRON_RUN_AS_NODE', async () => {
    const files = (await readdir(join(sourceRoot, 'main'), { recursive: true })).filter((f) => /\.(ts|tsx|js|mjs|cjs)$/.test(f));
    expect(files.length).toBeGreaterThan(50);
    const setting: string[] = [];
    for (const f of files) {
      const text = await readFile(join(sourceRoot, 'main', f), 'utf8');
      if (/ELECTRON_RUN_AS_NODE['"]?\s*[:=]/.test(text)) setting.push(f);
    }
    expect(setting).toEqual([]);
  });

  it('reads the program and its arguments from argv, packaged or not', () => {
    expect(programOf(['/app', '--dstack-runner', '--job', 'j'], false)).toEqual({ program: 'runner', args: ['--job', 'j'] });
    expect(programOf(['/electron', '/src/out/main/index.js', '--dstack-cli', 'ps'], true)).toEqual({ program: 'cli', args: ['ps'] });
    // Only as the first argument: a file named --dstack-runner opened later is no dispatch.
    expect(programOf(['/app', '--inspect', '--dstack-runner'], false)).toBeUndefined();
    expect(programOf(['/app'], false)).toBeUndefined();
  });
});

describe('the app started with --dstack-runner', () => {
  const argv = process.argv;
  beforeEach(() => {
    FakeBrowserWindow.last = undefined;
    runnerArgv.seen = undefined;
  });
  afterEach(() => {
    process.argv = argv;
  });

  it('runs the runner entry with the runner\'s arguments and creates no window, lock or session', async () => {
    process.argv = [packaged.execPath, '--dstack-runner', '--config', '{"type":"local"}', '--repo', 'r-1', '--job', 'j,w,0'];
    startApp();
    const deadline = Date.now() + 10_000;
    while (!runnerArgv.seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(runnerArgv.seen, 'the runner entry was never loaded').toEqual(['--config', '{"type":"local"}', '--repo', 'r-1', '--job', 'j,w,0']);
    expect(electronMock.app.requestSingleInstanceLock).not.toHaveBeenCalled();
    expect(electronMock.app.whenReady).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.last).toBeUndefined();
  });
});
