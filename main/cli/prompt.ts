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
  return readSecret(`Value of ${name}: `);
}

/** A secret asked with `question` on a terminal (hidden), else the whole of stdin. */
export function readSecret(question: string): Promise<string> {
  return process.stdin.isTTY ? promptHidden(question) : readStdin();
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

/** Where a question is asked and answered; tests pass streams, the CLI its terminal. */
export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Questions on one input, one line per answer. One readline reads the whole
 * conversation, so lines that arrive together (a paste, a pipe) are kept
 * for the next question instead of being lost with a closed reader.
 */
export class Prompter {
  private readonly rl;
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;

  constructor(private readonly io: PromptIo = { input: process.stdin, output: process.stderr }) {
    this.rl = createInterface({ input: io.input, terminal: false });
    this.rl.on('line', (line) => {
      if (this.waiting) this.take(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      this.take(undefined);
    });
  }

  private take(line: string | undefined): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(line);
  }

  /** Asks one line of text; `fallback` is what an empty answer means. Closing the input cancels. */
  async ask(question: string, fallback = ''): Promise<string> {
    this.io.output.write(fallback ? `${question} [${fallback}]: ` : `${question}: `);
    const line = this.lines.shift() ?? (this.closed ? undefined : await new Promise<string | undefined>((r) => (this.waiting = r)));
    if (line === undefined) throw new CancelledError('No answer was given.');
    return line.trim() || fallback;
  }

  /** A numbered choice: the answer may be the number or the name; a wrong one says what is allowed and asks again. */
  async choose<T extends string>(question: string, choices: readonly { value: T; label: string }[], fallback?: T): Promise<T> {
    this.io.output.write(`${question}\n${choices.map((c, i) => `  ${i + 1}) ${c.label}`).join('\n')}\n`);
    for (;;) {
      const answer = (await this.ask(`Choose 1-${choices.length} or a name`, fallback ?? '')).toLowerCase();
      const picked = choices[Number(answer) - 1] ?? choices.find((c) => c.value.toLowerCase() === answer);
      if (picked && answer) return picked.value;
      this.io.output.write(`"${answer}" is not one of the choices; type a number from 1 to ${choices.length}, or one of: ${choices.map((c) => c.value).join(', ')}.\n`);
    }
  }

  close(): void {
    this.rl.close();
  }
}

/** True when a person can answer questions: both stdin and stdout are a terminal. */
export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}
