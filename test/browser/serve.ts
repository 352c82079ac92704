/**
 * Starts `dstack server` for the browser tests and the bench, from source,
 * on a free port with the DSTACK_HOME it is given, and prints its URL (token
 * included) on one line for the parent to read. It is the server module the
 * CLI's `dstack server` runs, minus the CLI's flags and browser opening.
 */
import { join } from 'node:path';
import { startServer } from '../../main/server/server';
import { ROOT } from './build-renderer';

const home = process.env.DSTACK_HOME;
if (!home) throw new Error('DSTACK_HOME must be set');
// A fixed port and token let a spec restart the server where the page expects it (the reconnect banner).
const server = await startServer({
  home,
  version: '0.0.0-test',
  rendererDir: join(ROOT, 'out', 'renderer'),
  port: Number(process.env.DSTACK_TEST_PORT ?? 0),
  ...(process.env.DSTACK_TEST_TOKEN ? { token: process.env.DSTACK_TEST_TOKEN } : {}),
});
console.log(`DSTACK_URL ${server.url}`);
const stop = async (): Promise<void> => {
  await server.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
