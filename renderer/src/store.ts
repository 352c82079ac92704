/**
 * App-wide UI state: which screen and view are showing, the open project,
 * the selected run. Small on purpose: data that belongs to one panel stays
 * in that panel, and log lines never come here (see logs/log-store.ts). The
 * last project and each project's selected run are remembered in
 * localStorage, so a reload (or the next start) comes back where it was.
 */
import { create } from 'zustand';
import type { AppInfo, ConfigSummary, ProjectInfo, SetupDraft } from '../../main/common/api/operations';

export type Screen = 'loading' | 'wizard' | 'main' | 'settings';
export type View = 'runs' | 'tags' | 'secrets';

const LAST_PROJECT = 'dstack.lastProject';
const selectedKey = (projectId: string) => `dstack.selectedRun.${projectId}`;

/** The project opened last, to reopen at start; only its id, which `main/` resolves. */
export function lastProjectId(): string | null {
  return localStorage.getItem(LAST_PROJECT);
}

interface AppState {
  screen: Screen;
  view: View;
  info: AppInfo | null;
  config: ConfigSummary | null;
  /** Set when Settings reopens the wizard over the saved configuration. */
  wizardDraft: SetupDraft | undefined;
  project: ProjectInfo | null;
  selectedRun: string | null;
  /** Where keyboard focus should go next, after an action that replaced what had it (see useFocusOn). */
  focusTarget: 'project' | 'run' | null;
  setScreen: (screen: Screen) => void;
  setView: (view: View) => void;
  started: (info: AppInfo, config: ConfigSummary) => void;
  editConfig: (draft: SetupDraft) => void;
  openProject: (project: ProjectInfo | null) => void;
  selectRun: (runName: string | null) => void;
  /** Selects a run just submitted and moves focus to it. */
  submitted: (runName: string) => void;
  focused: () => void;
}

export const useAppStore = create<AppState>()((set, get) => ({
  screen: 'loading',
  view: 'runs',
  info: null,
  config: null,
  wizardDraft: undefined,
  project: null,
  selectedRun: null,
  focusTarget: null,
  setScreen: (screen) => set({ screen }),
  setView: (view) => set({ view, screen: 'main' }),
  started: (info, config) => set({ info, config, screen: info.configured ? 'main' : 'wizard' }),
  editConfig: (draft) => set({ wizardDraft: draft, screen: 'wizard' }),
  openProject: (project) => {
    if (project) localStorage.setItem(LAST_PROJECT, project.id);
    else localStorage.removeItem(LAST_PROJECT);
    set({ project, view: 'runs', screen: 'main', focusTarget: project ? 'project' : null, selectedRun: project ? localStorage.getItem(selectedKey(project.id)) : null });
  },
  selectRun: (selectedRun) => {
    const project = get().project;
    if (project && selectedRun) localStorage.setItem(selectedKey(project.id), selectedRun);
    else if (project) localStorage.removeItem(selectedKey(project.id));
    set({ selectedRun });
  },
  submitted: (runName) => {
    get().selectRun(runName);
    set({ view: 'runs', screen: 'main', focusTarget: 'run' });
  },
  focused: () => set({ focusTarget: null }),
}));
