/**
 * The app's own small state in `{DSTACK_HOME}/app/state.json`: the recent
 * projects, the first-run wizard's draft and the window's bounds. It is
 * separate from `config.yaml` (which dstack's CLI shares) because none of it
 * configures a backend. Saves are serialized and durable (node/state-file),
 * so a crash or two quick updates never corrupt it; a damaged file is kept
 * aside with one warning, never silently replaced.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { SetupDraft } from '../common/api/operations';
import { readJsonState, writeJsonDurably } from '../node/state-file';

export interface RecentProject {
  id: string;
  root: string;
  name: string;
  openedAt: number;
}

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export interface AppStateData {
  projects: RecentProject[];
  draft?: SetupDraft;
  window?: WindowBounds;
}

/** What the code relies on; fields it does not know pass through, so a newer app's state still reads. */
const stateSchema = z.looseObject({
  projects: z.array(z.looseObject({ id: z.string(), root: z.string(), name: z.string(), openedAt: z.number() })),
  draft: z.looseObject({ step: z.string() }).optional(),
  window: z
    .looseObject({ x: z.number().optional(), y: z.number().optional(), width: z.number(), height: z.number(), maximized: z.boolean().optional() })
    .optional(),
});

export class AppState {
  readonly dir: string;
  private readonly file: string;
  private data: AppStateData | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(home: string) {
    this.dir = join(home, 'app');
    this.file = join(this.dir, 'state.json');
  }

  /**
   * The current state. A missing file reads as empty; a damaged one is kept
   * aside as `state.json.bad-…` with one warning and reads as empty, so it
   * never blocks startup and is still there to recover by hand.
   */
  async read(): Promise<AppStateData> {
    if (!this.data) {
      const got = await readJsonState(this.file, stateSchema).catch((err: unknown) => {
        console.warn(`dstack: ${this.file} could not be read (${err instanceof Error ? err.message : String(err)}); started with no recent projects.`);
        return { state: 'missing' } as const;
      });
      if (got.state === 'bad') {
        console.warn(`dstack: ${this.file} could not be read (${got.problem}); kept it as ${got.keptAs}, and started with no recent projects.`);
      }
      this.data = got.state === 'ok' ? (got.data as AppStateData) : { projects: [] };
    }
    return this.data;
  }

  /** Applies `change` and saves; calls run one after another. */
  update(change: (s: AppStateData) => AppStateData): Promise<AppStateData> {
    const next = this.queue.then(async () => {
      const updated = change(structuredClone(await this.read()));
      await writeJsonDurably(this.file, updated);
      this.data = updated;
      return updated;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
