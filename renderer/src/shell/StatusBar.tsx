/**
 * The status bar, as in VS Code or Docker Desktop: where runs go (backend,
 * region, bucket), whether the app reaches dstack, and downloads under way,
 * always visible without opening Settings.
 */
import { useMemo } from 'react';
import { CircleCheck, Cloud, Download, HardDrive, RefreshCw, TriangleAlert } from 'lucide-react';
import type { ConnectionState } from '../../../main/common/api/operations';
import { backendInfo } from '../../../main/common/backends';
import { useTasks } from '../artifacts/tasks';
import { useAppStore } from '../store';

const CONNECTION: Record<ConnectionState, { text: string; Icon: typeof CircleCheck }> = {
  connected: { text: 'Connected', Icon: CircleCheck },
  reconnecting: { text: 'Reconnecting…', Icon: RefreshCw },
  'signed-out': { text: 'Signed out', Icon: TriangleAlert },
};

export function StatusBar({ connection }: { connection: ConnectionState }) {
  const config = useAppStore((s) => s.config);
  // Select the stable map and derive from it: a selector that builds a new array each time would re-render forever.
  const byItem = useTasks((s) => s.byItem);
  const running = useMemo(() => Object.values(byItem).filter((t) => t.state === 'running'), [byItem]);
  const { text, Icon } = CONNECTION[connection];
  const hub = config?.hub;
  const where = hub ? `${hub.project} on ${new URL(hub.url).host}` : config?.backend === 'aws' && config.aws ? `${config.aws.region} · s3://${config.aws.bucket}` : config?.home;
  const bytes = running.reduce((n, t) => n + t.bytes, 0);
  const total = running.reduce((n, t) => n + t.total, 0);
  return (
    <footer className="status-bar" aria-label="Status">
      <span>
        {hub || config?.backend === 'aws' ? <Cloud size={14} aria-hidden /> : <HardDrive size={14} aria-hidden />}{' '}
        {hub ? 'Team hub' : config?.backend ? backendInfo(config.backend).label : 'Not configured'}
        {where && <span className="muted"> · {where}</span>}
      </span>
      <span className={`connection ${connection}`}>
        <Icon size={14} aria-hidden /> {text}
      </span>
      {running.length > 0 && (
        <span>
          <Download size={14} aria-hidden /> {running.length} download{running.length === 1 ? '' : 's'}
          {total > 0 && ` · ${Math.floor((bytes / total) * 100)}%`}
        </span>
      )}
    </footer>
  );
}
