// electron-vite builds three bundles into out/: main (the app, plus the
// runner and the CLI as runner.js and cli.js next to index.js, where
// main/node/launch.ts looks for them), the preload (CommonJS, because a
// sandboxed preload cannot be an ES module), and the renderer. After main,
// the runner is bundled once more as one self-contained file, runner.mjs,
// which the AWS backend uploads for instances (main/node/runner-bundle.ts).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { writeRunnerBundle } from './node/runner-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (p: string): string => `${root}${p}`;
const runnerEntry = at('main/runner/entry.ts');

/** Dependencies bundled into the main build instead of loaded from node_modules (see `externalizeDeps` below). */
const BUNDLED_DEPS = ['zod', 'yaml', 'commander', 'tar'];

/** The chunk of a module from node_modules: `vendor-<package>`, with a scope's slash as `+`. */
function vendorChunk(id: string): string | null {
  const pkg = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id)?.[1];
  return pkg ? `vendor-${pkg.replace(/[\\/]/, '+')}` : null;
}

/** Writes runner.mjs beside runner.js, wherever the main bundle went. */
function runnerForInstances(): Plugin {
  let outDir = at('out/main');
  return {
    name: 'dstack-runner-for-instances',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      await writeRunnerBundle(runnerEntry, join(outDir, 'runner.mjs'));
    },
  };
}

export default defineConfig({
  main: {
    root,
    plugins: [runnerForInstances()],
    build: {
      outDir: at('out/main'),
      // Kept outside the bundle: keytar (an optional native module) loads from node_modules; the build tools load only from source (tests).
      // Bundled: the pure-JS libraries every CLI command or runner start loads; Node resolves and reads
      // each of their ~100 files one by one (zod's every locale), a single tree-shaken chunk loads in a fraction.
      externalizeDeps: { include: ['esbuild', 'tsx', 'keytar'], exclude: [...BUNDLED_DEPS] },
      rollupOptions: {
        // workflow-parser.js: the worker thread that parses workflow files (main/core/workflow/parse-off-thread.ts finds it beside its chunk).
        input: { index: at('main/index.ts'), runner: runnerEntry, cli: at('main/cli/main.ts'), 'workflow-parser': at('main/core/workflow/parse-worker.ts') },
        // Chunks sit beside the entries: launch.ts finds runner.js relative to its own chunk.
        // Each bundled package is its own chunk, vendor-<package>-<hash>.js, loaded only by what imports it (test/integration/cli/startup-modules.test.ts reads these names).
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', codeSplitting: { groups: [{ name: vendorChunk }] } },
      },
    },
  },
  preload: {
    root,
    build: {
      outDir: at('out/preload'),
      externalizeDeps: false,
      rollupOptions: {
        input: { index: at('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    plugins: [react()],
    build: {
      outDir: at('out/renderer'),
      minify: true,
      emptyOutDir: true,
      rollupOptions: { input: { index: at('renderer/index.html') } },
    },
  },
});
