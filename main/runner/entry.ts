/**
 * The runner program: the one module that starts {@link runnerMain} when it
 * is loaded. It is what every launch runs (the local backend's detached
 * process, from source or the bundle, and `runner.mjs` on EC2), and nothing
 * else imports it, so importing the runner's code never starts a runner.
 */
import '../node/sdk-warning';
import { toDstackError } from '../common/errors';
import { runnerMain } from './main';

runnerMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`dstack runner: ${toDstackError(err).toLine()}`);
    process.exit(1);
  },
);
