/**
 * Reading a secret value without putting it in argv (where `ps` and shell
 * history would keep it): a hidden prompt on a terminal, else the whole of
 * stdin, so `printf %s "$TOKEN" | dstack secrets add TOKEN` works in scripts.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CancelledError } from '../common/errors';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
    const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
    rl.once('SIGINT', () => {
      rl.close();
      reject(new CancelledError());
    });
  });
}

export function readSecretValue(name: string): Promise<string> {
  return process.stdin.isTTY ? promptHidden(`Value of ${name}: `) : readStdin();
}
