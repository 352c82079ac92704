/**
 * Builds the renderer if its sources changed, starts one `dstack server` with
 * a temp DSTACK_HOME, and hands its URL to the specs through the environment
 * (workers start after this runs, so they inherit it). Returns the teardown.
 */
import { buildRenderer } from './build-renderer';
import { startServerProcess } from './server-process';

export default async function globalSetup(): Promise<() => Promise<void>> {
  await buildRenderer();
  const server = await startServerProcess();
  process.env.DSTACK_URL = server.url;
  process.env.DSTACK_ORIGIN = server.origin;
  process.env.DSTACK_TEST_HOME = server.home;
  return server.stop;
}
