/**
 * The runner as one self-contained ES module, `runner.mjs`: the AWS backend
 * uploads it to the bucket and each instance runs it with plain Node (see
 * backends/aws/compute/userdata.ts). An instance has none of our
 * node_modules, so every dependency is inlined. keytar, the one native
 * module, stays out: it is loaded only on demand, and the runner on EC2
 * never uses the keychain. The build (electron.vite.config.ts) writes it
 * beside the app's bundle; running from source, the AWS backend builds it
 * on its first launch, so `npx dstack` works on AWS with no build step.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DstackError } from '../common/errors';

/** CommonJS dependencies call require() for Node's built-ins, which an ES module does not have. */
const REQUIRE_SHIM = "import { createRequire as __dstackCreateRequire } from 'node:module'; const require = __dstackCreateRequire(import.meta.url);";

/** Bundles the runner's entry module (`main/runner/entry.ts`) with everything it imports. */
export async function bundleRunner(entry: string): Promise<Uint8Array> {
  try {
    // Loaded here, not at the top: the runner bundle contains this module but must not need esbuild.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      external: ['keytar', 'esbuild'],
      banner: { js: REQUIRE_SHIM },
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.contents;
  } catch (err) {
    throw new DstackError('internal', `The runner for EC2 could not be bundled from ${entry}: ${(err as Error).message}`, {
      fix: 'Run `npm ci` in the dstack folder, or set DSTACK_RUNNER_BUNDLE to a built runner.mjs.',
      cause: err,
    });
  }
}

/** Bundles the runner into `outfile`, replaced atomically so a concurrent launch never uploads half a file. */
export async function writeRunnerBundle(entry: string, outfile: string): Promise<string> {
  const body = await bundleRunner(entry);
  await mkdir(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, body);
    await rename(tmp, outfile);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return outfile;
}
