/**
 * The worker thread that parses workflow files (see parse-off-thread.ts).
 * A file from an untrusted repository can be built to parse slowly; here it
 * only ever blocks this thread, which the caller terminates at its time limit.
 */
import { parentPort } from 'node:worker_threads';
import type { ParsedFile } from './file';
import { parseFile } from './file';

/** One file to parse, and its answer: the parsed file, or why parsing threw. */
export interface ParseRequest {
  id: number;
  file: string;
  text: string;
}

export type ParseReply = { id: number; parsed: ParsedFile } | { id: number; error: string } | { ready: true };

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: ParseRequest) => {
    let reply: ParseReply;
    try {
      reply = { id: req.id, parsed: parseFile(req.text, req.file) };
    } catch (err) {
      reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies ParseReply);
}
