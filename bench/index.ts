/**
 * `npm run bench`: every benchmark, each a ratio against a reference measured
 * in the same process (rclone, a bare spawn, a blank page), so the figures
 * mean something on any machine. `--quick` uses smaller sizes.
 */
import { benchRenderer, formatRenderer } from './renderer';
import { benchRunLatency, formatRunLatency } from './run-latency';
import { benchTransfer } from './transfer';

const quick = process.argv.includes('--quick');

console.log('## Local runs\n');
console.log(formatRunLatency(await benchRunLatency({ reps: quick ? 3 : 7 })));
console.log('\n## Renderer\n');
console.log(formatRenderer(await benchRenderer()));
console.log('\n## Artifact transfer against s3rver (ours vs rclone)\n');
await benchTransfer({ small: quick });
