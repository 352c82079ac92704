/**
 * What the app lets a team-hub member do, from the role the hub told (in
 * `setup.get`'s config): a `read` member sees the hub project's runs, logs
 * and artifacts, without Run, Stop, Remove or Secrets, as on the hub's own
 * page. A role the hub did not say (it was down) allows no more than read.
 * Hiding is for the person; the hub refuses such calls anyway.
 */
import type { ReactNode } from 'react';
import type { ConfigSummary } from '../../../main/common/api/operations';
import { CapabilitiesProvider } from '../capabilities';

export function HubCapabilities({ config, children }: { config: ConfigSummary | null; children: ReactNode }) {
  const role = config?.hub?.role;
  if (!config?.hub) return <>{children}</>;
  const acts = role === 'run' || role === 'admin';
  // `local` stays: Settings is where the member leaves the hub.
  return <CapabilitiesProvider value={{ run: acts, secrets: acts, local: true }}>{children}</CapabilitiesProvider>;
}
