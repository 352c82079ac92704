/**
 * `POST /api/v1/projects/{name}/upload/run`: `dstack run` through a hub, as
 * with a direct backend: the member's own workflow files and working copy,
 * submitted to the project's backend under the project's repo, so `ps`,
 * `logs` and `cp` find the run like any other of the project.
 *
 * One streamed request, not a field of `runs.submit`: a working copy is
 * often megabytes to hundreds of megabytes, past the 1 MiB JSON body every
 * operation is held to, and base64 in JSON would be held in memory whole.
 * Not an upload then a submit either: behind a load balancer (several hub
 * processes on one Postgres) the two could reach different processes, and
 * an upload never submitted would need a sweeper. So the body is one line of
 * JSON (the run request, the workflow files' text and the git state; at
 * most 1 MiB), then the snapshot's gzip tar, streamed to a private file and
 * capped. The hub parses the workflow files itself with the same parser
 * (same limits, same one-line issues) and counts and hashes the code itself.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { z } from 'zod';
import { OPERATION_ROLES } from '../../common/api/operations';
import { RUN_UPLOAD_TYPE } from '../../common/api/run-upload';
import type { RunUploadResult } from '../../common/api/run-upload';
import { validateInput } from '../../common/api/schemas';
import { DstackError, InvalidArgumentError } from '../../common/errors';
import type { CodeRef } from '../../common/job';
import { keys } from '../../core/keys';
import { submitRequest } from '../../service/run-request';
import { readCodeArchive } from './code-archive';
import type { ProjectOpContext } from './project-ops';
import { admitToProject } from './project-ops';

/** The JSON line before the code: the same 1 MiB as any operation's body. */
const MAX_HEAD = 1024 * 1024;
/** What a run's code may hold by default (`dstack hub --max-code-mb`). */
export const DEFAULT_MAX_CODE_BYTES = 512 * 1024 * 1024;
const MAX_FILES = 1_000_000;
/** A workflow file's path in a project, as the loader finds them: `.dstack/workflows.yaml` or `.dstack/workflows/NAME.yaml`. */
const WORKFLOW_FILE = /^\.dstack\/(workflows\.ya?ml|workflows\/[^/\\]+\.ya?ml)$/i;

const head = z
  .object({
    request: z.unknown(),
    workflowFiles: z.array(z.object({ file: z.string().regex(WORKFLOW_FILE, 'must be .dstack/workflows.yaml or .dstack/workflows/NAME.yaml'), text: z.string() }).strict()).max(1000),
    git: z.object({ commit: z.string().regex(/^[0-9a-f]{40,64}$/), branch: z.string().max(255).optional(), dirty: z.boolean() }).strict().optional(),
  })
  .strict();

/** The hub's refusal of code past its cap: 413, naming the cap and the fix. */
export class CodeTooLargeError extends DstackError {
  readonly status = 413;
  constructor(maxBytes: number, what: string) {
    const mb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
    super('quota', `The working copy is too large for this hub: ${what}, and the hub takes at most ${mb} MB of code per run.`, {
      fix: 'Keep data and build output out of the working copy (add them to .gitignore; a run gets data through deps or artifacts), or ask the hub admin to start it with a larger --max-code-mb.',
    });
    this.name = 'CodeTooLargeError';
  }
}

/** An upload folder older than this is nobody's: Node ends a request after 5 minutes (requestTimeout). */
const STALE_UPLOAD_MS = 24 * 3600_000;

/**
 * Removes the upload folders a hub process killed mid-request left behind.
 * Only stale ones: another hub process on the same home may be receiving
 * an upload right now.
 */
export async function sweepUploads(hubDir: string): Promise<void> {
  const root = join(hubDir, 'uploads');
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const st = await stat(join(root, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STALE_UPLOAD_MS) await rm(join(root, name), { recursive: true, force: true });
    }),
  );
}

export interface RunUploadContext extends ProjectOpContext {
  /** `DSTACK_HOME/hub`: uploads wait in a private folder under it. */
  hubDir: string;
  maxCodeBytes: number;
}

interface Received {
  head: z.infer<typeof head>;
  codeBytes: number;
}

/** Streams the body: the JSON line into memory, the code into `file`; stops at either cap, draining the rest so the refusal reaches the client. */
async function receive(req: IncomingMessage, file: string, maxCode: number): Promise<Received> {
  const out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
  const lines: Buffer[] = [];
  let headBytes = 0;
  let text: string | undefined;
  let codeBytes = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      let rest = chunk;
      if (text === undefined) {
        const nl = chunk.indexOf(0x0a);
        const part = nl < 0 ? chunk : chunk.subarray(0, nl);
        headBytes += part.length;
        if (headBytes > MAX_HEAD) throw new InvalidArgumentError('The run request before the code is over 1 MiB.', 'Keep the workflow files and arguments smaller.');
        lines.push(part);
        if (nl < 0) continue;
        text = Buffer.concat(lines).toString('utf8');
        rest = chunk.subarray(nl + 1);
      }
      codeBytes += rest.length;
      if (codeBytes > maxCode) throw new CodeTooLargeError(maxCode, `its snapshot is over ${maxCode} bytes packed`);
      if (!out.write(rest)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } catch (err) {
    req.resume();
    throw err;
  } finally {
    out.end();
    await finished(out).catch(() => undefined);
  }
  if (text === undefined) throw new InvalidArgumentError('The upload has no run request line before the code.', 'Run `dstack run` again with a dstack CLI of the hub\'s version.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('The run request before the code is not valid JSON.', 'Run `dstack run` again with a dstack CLI of the hub\'s version.');
  }
  const parsed = head.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`The run request's ${i.path.join('.') || 'body'} ${i.message.charAt(0).toLowerCase()}${i.message.slice(1)}.`, 'Run `dstack run` again with a dstack CLI of the hub\'s version.');
  }
  return { head: parsed.data, codeBytes };
}

/** Submits a member's working copy and workflow files in `project`; the answer is the run's name and workflow. */
export async function runUpload(ctx: RunUploadContext, req: IncomingMessage, project: string): Promise<RunUploadResult> {
  // The same role as runs.submit, from the contract.
  await admitToProject(ctx, req, project, OPERATION_ROLES['runs.submit']);
  const declared = Number(req.headers['content-length']);
  if (declared > ctx.maxCodeBytes + MAX_HEAD) {
    req.resume();
    throw new CodeTooLargeError(ctx.maxCodeBytes, `its upload is ${declared} bytes`);
  }
  if (!(req.headers['content-type'] ?? '').startsWith(RUN_UPLOAD_TYPE)) {
    throw new InvalidArgumentError(`The upload must be sent as ${RUN_UPLOAD_TYPE}.`, 'Run `dstack run` with a dstack CLI of the hub\'s version.');
  }
  const dir = join(ctx.hubDir, 'uploads', randomUUID());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const code = join(dir, 'code.tar.gz');
    const { head: h } = await receive(req, code, ctx.maxCodeBytes);
    const request = validateInput('runs.submit', h.request);
    const archive = await readCodeArchive(code, { maxBytes: ctx.maxCodeBytes, maxFiles: MAX_FILES, tooLarge: (what) => new CodeTooLargeError(ctx.maxCodeBytes, what) });
    // The workflow files go where the loader looks, in a folder of their own: the same parser reads them as in the member's folder.
    const folder = join(dir, 'project');
    const names = h.workflowFiles.map((f) => f.file.toLowerCase());
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new InvalidArgumentError(`The run request holds the workflow file ${twice} twice.`, 'Run `dstack run` again with a dstack CLI of the hub\'s version.');
    for (const f of h.workflowFiles) {
      await mkdir(dirname(join(folder, f.file)), { recursive: true, mode: 0o700 });
      await writeFile(join(folder, f.file), f.text, { mode: 0o600, flag: 'wx' });
    }
    await mkdir(join(folder, '.dstack'), { recursive: true, mode: 0o700 });
    const service = ctx.services.get(project);
    const { repo } = await service.ctx.projects.resolve(await ctx.services.projectId(project));
    const runs = await service.ctx.runs();
    const storeCode = async (): Promise<CodeRef> => {
      const key = keys.code(repo, archive.hash);
      if (!(await runs.backend.storage.head(key))) await runs.backend.storage.uploadFile(code, key);
      return { key, hash: archive.hash, files: archive.files.length, bytes: archive.bytes, ...(h.git ? { git: h.git } : {}) };
    };
    const job = await runs.submit(folder, request.workflow, { ...submitRequest(request), source: { repo, storeCode } });
    service.ctx.watcher.poke();
    return { runName: job.runName, workflowName: job.workflowName };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
