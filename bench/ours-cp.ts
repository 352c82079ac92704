/**
 * Our transfer engine as a process of its own, so the bench times it whole
 * (start-up, exit and peak RSS included), as it times rclone and the AWS
 * CLI. It calls what the app and the runner call: S3Storage for one file,
 * core/tree-transfer for a folder, on a client from createS3Client.
 *
 *   ours-cp upload-file <file> <key> | download-file <key> <file>
 *   ours-cp upload-tree <dir> <prefix> | download-tree <prefix> <dir>
 *
 * The endpoint and keys come from BENCH_S3_* variables (never argv); staging
 * goes to DSTACK_HOME. The bench bundles this file with esbuild first, so the
 * figures are those of compiled code, as shipped.
 */
import { S3Storage } from '../main/backends/aws/s3/storage';
import { downloadTree, uploadTree } from '../main/core/tree-transfer';
import { uploadItemsOf } from '../test/helpers/tree-items';
import { benchS3 } from './bench-s3';

const args = process.argv.slice(2);
const { client, bucket } = benchS3(args.length === 3 && args.every(Boolean), 'ours-cp upload-file|download-file|upload-tree|download-tree FROM TO');
// Checked just above: three non-empty arguments.
const [op, from, to] = args as [string, string, string];
const storage = new S3Storage(bucket, client);
try {
  if (op === 'upload-file') await storage.uploadFile(from, to);
  else if (op === 'download-file') await storage.downloadFile(from, to);
  else if (op === 'upload-tree') await uploadTree(storage, await uploadItemsOf(from, to));
  else if (op === 'download-tree') await downloadTree(storage, from, to);
  else throw new Error(`unknown operation ${op}`);
} finally {
  client.destroy();
}
