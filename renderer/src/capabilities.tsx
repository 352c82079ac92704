/**
 * What the person using this page may do, for the parts of the shared UI
 * that differ by it. The desktop app and `dstack server` may do everything;
 * a team hub's page passes the member's role down (a `read` member sees
 * runs, logs and artifacts, without Run, Stop, Remove or Secrets) and its
 * own projects section, so the same MainScreen, Sidebar and RunDetail serve
 * both. Hiding is for the person; the hub refuses such calls anyway.
 */
import { createContext, useContext, type ReactNode } from 'react';

export interface Capabilities {
  /** Run a workflow, stop, abort or remove a run, add or delete tags. */
  run: boolean;
  /** See the Secrets view. */
  secrets: boolean;
  /** The machine's own setup: Settings, recent folders, opening a folder. */
  local: boolean;
  /** Replaces the sidebar's Projects section (the hub's projects, Admin, Sign out). */
  nav?: ReactNode;
  /** What the page is connected to, as messages name it. */
  serverName?: string;
}

const ALL: Capabilities = { run: true, secrets: true, local: true };

const CapabilitiesContext = createContext<Capabilities>(ALL);

export function CapabilitiesProvider({ value, children }: { value: Capabilities; children: ReactNode }) {
  return <CapabilitiesContext.Provider value={value}>{children}</CapabilitiesContext.Provider>;
}

export function useCapabilities(): Capabilities {
  return useContext(CapabilitiesContext);
}
