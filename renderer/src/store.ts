/**
 * App-wide UI state: which screen is showing, the open project, the selected
 * run. Small on purpose: data that belongs to one panel stays in that panel,
 * and log lines never come here (see logs/log-store.ts).
 */
import { create } from 'zustand';
import type { AppInfo, ConfigSummary, ProjectInfo, SetupDraft } from '../../main/common/api/operations';

export type Screen = 'loading' | 'wizard' | 'main' | 'settings';

interface AppState {
  screen: Screen;
  info: AppInfo | null;
  config: ConfigSummary | null;
  /** Set when Settings reopens the wizard over the saved configuration. */
  wizardDraft: SetupDraft | undefined;
  project: ProjectInfo | null;
  selectedRun: string | null;
  setScreen: (screen: Screen) => void;
  started: (info: AppInfo, config: ConfigSummary) => void;
  editConfig: (draft: SetupDraft) => void;
  openProject: (project: ProjectInfo | null) => void;
  selectRun: (runName: string | null) => void;
}

export const useAppStore = create<AppState>()((set) => ({
  screen: 'loading',
  info: null,
  config: null,
  wizardDraft: undefined,
  project: null,
  selectedRun: null,
  setScreen: (screen) => set({ screen }),
  started: (info, config) => set({ info, config, screen: info.configured ? 'main' : 'wizard' }),
  editConfig: (draft) => set({ wizardDraft: draft, screen: 'wizard' }),
  openProject: (project) => set({ project, selectedRun: null }),
  selectRun: (selectedRun) => set({ selectedRun }),
}));
