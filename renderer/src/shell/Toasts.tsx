/** The toasts' stack in a corner, announced politely; errors wait to be dismissed. */
import { X } from 'lucide-react';
import { useToasts } from './toasts';

export function Toasts() {
  const { toasts, dismiss } = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`}>
          <span>
            {t.message}
            {t.fix && <span className="fix"> {t.fix}</span>}
          </span>
          <button type="button" className="icon" onClick={() => dismiss(t.id)} aria-label="Dismiss">
            <X size={14} aria-hidden />
          </button>
        </div>
      ))}
    </div>
  );
}
