// electron-vite builds three bundles into out/: main (the app, plus the
// runner and the CLI as runner.js and cli.js next to index.js, where
// main/node/launch.ts looks for them), the preload (CommonJS, because a
// sandboxed preload cannot be an ES module), and the renderer.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (p: string): string => `${root}${p}`;

export default defineConfig({
  main: {
    root,
    build: {
      outDir: at('out/main'),
      rollupOptions: {
        input: { index: at('main/index.ts'), runner: at('main/runner/main.ts'), cli: at('main/cli/main.ts') },
        // Chunks sit beside the entries: launch.ts finds runner.js relative to its own chunk.
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
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
