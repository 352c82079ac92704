// Preloaded by the start-up tests (`node --import ./module-log.mjs`): records
// the URL of every module the program resolves, one per line, in the file
// that DSTACK_TEST_MODULE_LOG names, so a test can see what a command loaded.
// ES imports resolve through the hook; a CommonJS package is seen by its entry.
import { register } from 'node:module';

register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { log: process.env.DSTACK_TEST_MODULE_LOG } });
