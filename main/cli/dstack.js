#!/usr/bin/env node
// The `dstack` bin runs the compiled CLI that `npm run build` writes to
// out/main (npm install runs the build through `prepare`), so no TypeScript
// compiler loads at run time and a command starts in a fraction of a second.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  process.stderr.write(`dstack is not built yet. Run \`npm run build\` in ${root} (npm install runs it for you).\n`);
  process.exit(1);
}
await import(cli.href);
