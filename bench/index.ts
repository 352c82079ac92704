/**
 * `npm run bench`: every benchmark, each row a ratio against a reference
 * measured in the same run (rclone, the AWS SDK, the AWS CLI, a bare Node,
 * a blank page), paired round by round, so the figures mean something on
 * any machine; with the load average the run saw. Prints one markdown table
 * at the end and writes it to bench/results/latest.md (git-ignored).
 *
 * `--quick`: smaller transfers (128 MiB, 1,000 files), fewer rounds, and a hub with 2,000 runs and 10 log followers.
 * `--rounds N`: paired transfer rounds (default 3).
 */
import { availableParallelism } from 'node:os';
import { benchArtifactTree, formatArtifactTree } from './artifact-tree';
import { benchHub } from './hub';
import { LoadSampler, rssSource } from './proc';
import { benchRenderer, formatRenderer, rendererRows } from './renderer';
import { benchRunLatency } from './run-latency';
import { benchStartup } from './startup';
import { markdownTable, writeLatest, type Row } from './table';
import { benchTransfer } from './transfer';

const quick = process.argv.includes('--quick');
const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : quick ? 2 : 3;
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a whole number of at least 1, not "${process.argv[i + 1]}".`);
  process.exit(2);
}

const started = performance.now();
const load = new LoadSampler();
const rows: Row[] = [];
const notes: string[] = [];
const section = (title: string) => console.log(`\n## ${title}\n`);

section('Start-up (the `dstack` bin as users run it)');
rows.push(...(await benchStartup({ reps: quick ? 3 : 7 })));
rows.push(...(await benchRunLatency({ reps: quick ? 3 : 7 })));
console.log('done');

section('Renderer');
const renderer = await benchRenderer({ loads: quick ? 5 : 9 });
const rendererText = formatRenderer(renderer);
console.log(rendererText);
rows.push(...rendererRows(renderer));

section(`Artifact transfer against s3rver: ${rounds} paired rounds, every output verified byte for byte`);
const transfer = await benchTransfer({ small: quick, rounds });
rows.push(...transfer.rows);
notes.push(...transfer.notes);

section('Artifact tree: one folder of many keys against s3rver (ours vs rclone lsf)');
const tree = formatArtifactTree(await benchArtifactTree({ count: quick ? 2_000 : 10_000 }));
console.log(tree);

section('Team hub: runs.list with 10,000 runs, 50 clients following logs');
const hub = await benchHub(quick ? { runs: 2_000, clients: 10 } : {});
rows.push(...hub.rows);
notes.push(...hub.notes);

const l = load.stop();
const minutes = (performance.now() - started) / 60_000;
const md = [
  `# dstack bench, ${new Date().toISOString()}${quick ? ' (--quick)' : ''}`,
  '',
  `Load average (1 min) during the run: median ${l.median.toFixed(1)}, range ${l.min.toFixed(1)}–${l.max.toFixed(1)}, on ${availableParallelism()} cores; the run took ${minutes.toFixed(1)} min.`,
  `Ratio = reference time / our time, per paired round: above 1 means we were faster; min is our worst round. Peak RSS: ${rssSource}.`,
  '',
  markdownTable(rows),
  '',
  ...notes.map((n) => `- ${n}`),
  '',
  '### Renderer details',
  '',
  '```',
  rendererText,
  '```',
  '',
  '### Artifact tree',
  '',
  '```',
  tree,
  '```',
  '',
].join('\n');
console.log(`\n${md}`);
console.log(`Written to ${await writeLatest(md)}`);
