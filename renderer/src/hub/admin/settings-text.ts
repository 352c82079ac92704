/**
 * Settings and credentials as an admin types them: one `key=value` a line.
 * A line that is neither blank nor `key=value` is named by its number, so
 * the admin knows which to fix before anything is sent.
 */
export function parseKeyValues(text: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${field}, line ${i + 1}: "${line}" is not key=value. Write one setting a line, e.g. region=eu-west-1.`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return out;
}
