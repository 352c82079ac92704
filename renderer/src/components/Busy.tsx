/** Shows that a long action is under way, with a way out. */
export function Busy({ label, onCancel }: { label: string; onCancel: () => void }) {
  return (
    <div className="busy" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
