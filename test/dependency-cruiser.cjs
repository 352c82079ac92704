/**
 * The layering of main/ARCHITECTURE.md as rules, checked by `npm run lint`
 * (as VS Code checks its layers with a lint rule): a forbidden import fails
 * the build instead of waiting for a reviewer to notice it.
 */
const layer = (name) => `^main/${name}/`;
const notIn = (...names) => names.map((n) => `^main/${n}(/|$)`);

module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-adapters',
      comment: 'Only the thin adapters (main/electron-main and preload/) may import electron; everything else must run under plain Node and in tests.',
      severity: 'error',
      from: { pathNot: ['^main/electron-main/', '^preload/', '^test/', '^main/electron\\.vite\\.config\\.ts$'] },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'common-imports-only-common',
      comment: 'common/ runs everywhere (main, preload, renderer, runner), so it may import nothing of ours but common/.',
      severity: 'error',
      from: { path: layer('common') },
      to: { path: ['^main/', '^renderer/', '^preload/'], pathNot: layer('common') },
    },
    {
      name: 'core-never-imports-backends',
      comment: 'The core owns the backend interface; a backend is picked only by the entry points, so adding one never touches the core.',
      severity: 'error',
      from: { path: layer('core') },
      to: { path: notIn('backends', 'runner', 'cli', 'service', 'server', 'electron-main') },
    },
    {
      name: 'node-imports-only-common',
      comment: 'node/ holds small Node helpers that every layer may use, so it may depend only on common/.',
      severity: 'error',
      from: { path: layer('node') },
      to: { path: ['^main/', '^renderer/', '^preload/'], pathNot: [layer('common'), layer('node')] },
    },
    {
      name: 'backends-stay-below-the-app',
      comment: 'A backend implements the core interface and knows nothing of who uses it (runner, CLI, service, server, app).',
      severity: 'error',
      from: { path: layer('backends') },
      to: { path: notIn('runner', 'cli', 'service', 'server', 'electron-main') },
    },
    {
      name: 'backends-do-not-import-each-other',
      comment: 'Each backend stands alone so that one can be added or removed without touching another.',
      severity: 'error',
      from: { path: '^main/backends/([^/]+)/' },
      to: { path: '^main/backends/([^/]+)/', pathNot: '^main/backends/$1/' },
    },
    {
      name: 'only-the-registry-picks-a-backend',
      comment: 'Everything above the backends goes through main/backends/index.ts, the one place that maps a config to a backend.',
      severity: 'error',
      from: { path: ['^main/(runner|service|server|hub|electron-main)/'] },
      to: { path: '^main/backends/[^/]+/' },
    },
    {
      name: 'runner-is-headless',
      comment: 'The runner runs detached or on a VM: it must not pull in the CLI, the service, the server or the app.',
      severity: 'error',
      from: { path: layer('runner') },
      to: { path: notIn('cli', 'service', 'server', 'electron-main') },
    },
    {
      name: 'cli-never-imports-electron-main',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: notIn('electron-main') },
    },
    {
      name: 'service-is-transport-free',
      comment: 'The service implements the API contract once; the carriers (IPC, HTTP) sit above it, never below.',
      severity: 'error',
      from: { path: layer('service') },
      to: { path: notIn('cli', 'server', 'electron-main') },
    },
    {
      name: 'server-never-imports-electron-main',
      severity: 'error',
      from: { path: layer('server') },
      to: { path: notIn('electron-main', 'cli') },
    },
    {
      name: 'hub-stays-below-the-cli',
      comment: 'The hub (its store and server) is started by the CLI and runs headless: it never pulls in the CLI or the app.',
      severity: 'error',
      from: { path: layer('hub') },
      to: { path: notIn('cli', 'electron-main', 'runner') },
    },
    {
      name: 'renderer-sees-only-the-contract',
      comment: 'The renderer is sandboxed web code: of main/ it may use only common/ (the API contract and shared types).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: ['^main/', '^preload/'], pathNot: layer('common') },
    },
    {
      name: 'preload-sees-only-the-contract',
      severity: 'error',
      from: { path: '^preload/' },
      to: { path: ['^main/', '^renderer/'], pathNot: layer('common') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
  },
};
