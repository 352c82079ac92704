/**
 * What is wrong with one form field, shown under it as the user types and
 * tied to the input by `aria-describedby`, so a screen reader reads it with
 * the field. Renders nothing while the value is fine.
 */
export function FieldProblem({ id, problem }: { id: string; problem: string | undefined }) {
  if (!problem) return null;
  return (
    <p id={id} className="field-problem" aria-live="polite">
      {problem}
    </p>
  );
}
