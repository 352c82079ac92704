/**
 * Where dstack keeps its state on this machine: `DSTACK_HOME`, by default
 * `~/.dstack`, as in dstack. Tests point it at a temporary folder.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function dstackHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DSTACK_HOME ? resolve(env.DSTACK_HOME) : join(homedir(), '.dstack');
}
