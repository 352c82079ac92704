/**
 * Reading a secret value without putting it in argv (where `ps` and shell
 * history would keep it): a hidden prompt on a terminal, else the whole of
 * stdin, so `printf %s "$TOKEN" | dstack secrets add TOKEN` works in scripts.
 * The same goes for AWS keys given to `dstack config aws --keychain`.
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

/**
 * An access key pair for `dstack config aws --keychain` when the environment
 * has none: two hidden prompts on a terminal, else two lines of stdin (key
 * id, then secret), so neither lands in argv.
 */
export async function readAccessKeys(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  if (process.stdin.isTTY) {
    const accessKeyId = await promptHidden('AWS access key id: ');
    return { accessKeyId, secretAccessKey: await promptHidden('AWS secret access key: ') };
  }
  const [accessKeyId = '', secretAccessKey = ''] = (await readStdin()).split(/\r?\n/);
  return { accessKeyId, secretAccessKey };
}
