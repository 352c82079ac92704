/**
 * Back/Next, identical on every step, which is what keyboard users and the
 * browser tests rely on: the same names in the same place.
 */
export function StepNav({ onBack, onNext, nextLabel = 'Next', nextDisabled }: {
  onBack?: () => void;
  onNext: () => void;
  nextLabel?: string;
  nextDisabled?: boolean;
}) {
  return (
    <div className="step-nav">
      {onBack && (
        <button type="button" onClick={onBack}>
          Back
        </button>
      )}
      <button type="button" className="primary" onClick={onNext} disabled={nextDisabled}>
        {nextLabel}
      </button>
    </div>
  );
}
