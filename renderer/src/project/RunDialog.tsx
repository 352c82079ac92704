/**
 * The Run form in a modal dialog: the sidebar is too narrow for it, and a
 * native <dialog> traps focus, closes on Escape and hands focus back to the
 * Run button that opened it.
 */
import { useEffect, useRef } from 'react';
import { RunForm } from './RunForm';

export function RunDialog({ projectId, workflow, aws, onSubmitted, onClose }: {
  projectId: string;
  workflow: string;
  aws: boolean;
  onSubmitted: (runName: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="run-dialog-title" onClose={onClose}>
      <h2 id="run-dialog-title">Run {workflow}</h2>
      <RunForm projectId={projectId} workflow={workflow} aws={aws} onSubmitted={onSubmitted} onClose={onClose} />
    </dialog>
  );
}
