/**
 * A button that asks before doing something that cannot be undone. The
 * question replaces the button in place, so keyboard focus stays nearby.
 */
import { useState, type ReactNode } from 'react';

export function ConfirmButton({ label, icon, question, confirmLabel, onConfirm, disabled }: {
  label: string;
  icon?: ReactNode;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)} disabled={disabled}>
        {icon}
        {icon ? ' ' : ''}
        {label}
      </button>
    );
  }
  return (
    <span role="group" aria-label={question} className="confirm">
      <span>{question}</span>
      <button type="button" className="danger" autoFocus onClick={() => { setAsking(false); onConfirm(); }}>
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
