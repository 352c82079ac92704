/**
 * `npm run bench`: every benchmark, each a ratio against a reference measured
 * in the same process (rclone, a bare spawn, a blank page), so the figures
 * mean something on any machine. `--quick` uses smaller sizes.
 */
import { benchArtifactTree, formatArtifactTree } from './artifact-tree';
import { benchRenderer, formatRenderer } from './renderer';
import { benchRunLatency, formatRunLatency } from './run-latency';
import { benchTransfer } from './transfer';

const quick = process.argv.includes('--quick');

console.log('## Local runs\n');
console.log(formatRunLatency(await benchRunLatency({ reps: quick ? 3 : 7 })));
console.log('\n## Renderer\n');
console.log(formatRenderer(await benchRenderer()));
console.log('\n## Artifact transfer against s3rver (ours vs rclone)\n');
await benchTransfer({ small: quick, rounds: quick ? 1 : 3 });
console.log('\n## Artifact tree: a prefix of 10,000 keys against s3rver (ours vs rclone lsf)\n');
console.log(formatArtifactTree(await benchArtifactTree({ count: quick ? 2_000 : 10_000 })));
