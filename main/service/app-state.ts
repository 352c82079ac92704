/**
 * The app's own small state in `{DSTACK_HOME}/app/state.json`: the recent
 * projects, the first-run wizard's draft and the window's bounds. It is
 * separate from `config.yaml` (which dstack's CLI shares) because none of it
 * configures a backend. Writes go to a temp file and are renamed into place,
 * and are serialized, so a crash or two quick updates never corrupt it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SetupDraft } from '../common/api/operations';

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

export class AppState {
  readonly dir: string;
  private readonly file: string;
  private data: AppStateData | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(home: string) {
    this.dir = join(home, 'app');
    this.file = join(this.dir, 'state.json');
  }

  /** The current state; a missing or unreadable file reads as empty, so a bad file never blocks startup. */
  async read(): Promise<AppStateData> {
    if (!this.data) {
      try {
        const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<AppStateData>;
        this.data = { ...parsed, projects: Array.isArray(parsed.projects) ? parsed.projects : [] };
      } catch {
        this.data = { projects: [] };
      }
    }
    return this.data;
  }

  /** Applies `change` and saves; calls run one after another. */
  update(change: (s: AppStateData) => AppStateData): Promise<AppStateData> {
    const next = this.queue.then(async () => {
      const updated = change(structuredClone(await this.read()));
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(updated, null, 2), { mode: 0o600 });
      await rename(tmp, this.file);
      this.data = updated;
      return updated;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
