/**
 * A member's working copy as the CLI uploads it to the hub: the gzip tar
 * that `packSnapshot` makes of the snapshot's files. The hub never takes the
 * client's word for what it holds: it reads every entry and hashes it as
 * `planSnapshot` hashes a folder, so the stored code's hash, file count and
 * size (which bounds the runner's unpack) are the hub's own count. It refuses
 * what a snapshot never holds (folders, devices, absolute or `..` paths, a
 * path twice) and stops at the hub's caps before reading further.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import { DstackError, InvalidArgumentError } from '../../common/errors';
import { contentHash } from '../../core/snapshot';
import type { FileEntry } from '../../core/snapshot';

export interface CodeArchive {
  files: FileEntry[];
  hash: string;
  bytes: number;
}

export interface ArchiveLimits {
  /** The most the files may hold together, unpacked. */
  maxBytes: number;
  maxFiles: number;
  /** The refusal for an archive past a cap, naming it. */
  tooLarge: (what: string) => DstackError;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

function malformed(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`The uploaded code is not a snapshot as \`dstack run\` packs one: ${why}.`, 'Run `dstack run` again with a dstack CLI of the hub\'s version.');
}

/** The entry's path inside the project, or why a snapshot never holds it. */
function projectPath(entry: ReadEntry): string | Error {
  const path = entry.path.replace(/^(\.\/)+/, '');
  const parts = path.split('/');
  if (!path || path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) return malformed(`the path "${entry.path}" is not inside the project`);
  if (!FILE_TYPES.has(entry.type) && entry.type !== 'SymbolicLink') return malformed(`"${path}" is a ${entry.type}, not a file or a link`);
  return path;
}

/** Reads and hashes every entry of the gzip tar at `file`; rejects with a 4xx-kind error, never a crash. */
export function readCodeArchive(file: string, limits: ArchiveLimits): Promise<CodeArchive> {
  const files: FileEntry[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  return new Promise<CodeArchive>((resolve, reject) => {
    const src = createReadStream(file);
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      src.destroy();
      parser.abort(err);
      reject(err);
    };
    const parser = new Parser({
      strict: true,
      // The cap is on the unpacked bytes themselves (below); a file of zeros legitimately packs past 1000:1.
      maxDecompressionRatio: Infinity,
      onReadEntry: (entry: ReadEntry) => {
        if (failed) return void entry.resume();
        const path = projectPath(entry);
        const problem =
          path instanceof Error ? path
          : seen.has(path) ? malformed(`"${path}" is in it twice`)
          : bytes + entry.size > limits.maxBytes ? limits.tooLarge(`its files hold more than ${limits.maxBytes} bytes`)
          : files.length + 1 > limits.maxFiles ? limits.tooLarge(`it holds more than ${limits.maxFiles} files`)
          : undefined;
        if (problem) {
          entry.resume();
          return fail(problem);
        }
        const name = path as string;
        seen.add(name);
        if (entry.type === 'SymbolicLink') {
          const target = entry.linkpath ?? '';
          files.push({ path: name, mode: 0o120000, sha256: createHash('sha256').update(`link:${target}`).digest('hex'), size: Buffer.byteLength(target) });
          bytes += Buffer.byteLength(target);
          return void entry.resume();
        }
        bytes += entry.size;
        const h = createHash('sha256');
        entry.on('data', (c: Buffer) => h.update(c));
        // Only the executable bit matters to a job, as when a folder is snapshotted.
        entry.on('end', () => files.push({ path: name, mode: (entry.mode ?? 0) & 0o111 ? 0o755 : 0o644, sha256: h.digest('hex'), size: entry.size }));
      },
    });
    // Our own refusals come back through the parser's abort as they are; the parser's own (not gzip, a bad header, cut short) are worded here.
    parser.on('error', (err: Error) => fail(err instanceof DstackError ? err : malformed(err.message.replace(/[.\s]+$/, ''))));
    parser.on('end', () => {
      if (failed) return;
      const sorted = files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      resolve({ files: sorted, hash: contentHash(sorted), bytes });
    });
    src.on('error', (err) => fail(err));
    src.pipe(parser);
  });
}
