// A hub process in miniature, for the start-up race tests: opens (and
// migrates) the store, says "ready", and on "go" from its stdin asks for
// the first admin, then prints whether it made one.
import { createInterface } from 'node:readline';
import { openHubStore } from '../../../main/hub/sql-store';

const [home, database, name] = process.argv.slice(2) as [string, string, string];
const store = await openHubStore({ home, database: database === '-' ? undefined : database, env: {} });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'go') continue;
  const issued = await store.bootstrapAdmin(name);
  process.stdout.write(`${JSON.stringify({ name, made: issued !== undefined })}\n`);
  break;
}
await store.close();
