/**
 * Names that come from storage or from a job (artifact paths, run names,
 * tags) may hold any character. Printed raw, an ESC starts a terminal
 * escape sequence, a CR or BEL rewrites or rings the line, and a bidi
 * override (U+202E) shows a name reversed, so a listing could hide or forge
 * what it shows. Such characters are shown as escapes instead.
 */

/**
 * Control and invisible format characters, line/paragraph separators, lone
 * surrogates, and the backslash itself (so an escape in the output cannot be
 * mistaken for the same text in a name). The zero-width joiner stays: it only
 * joins emoji and is harmless.
 */
const UNSAFE = /[\\\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?!\u200d)\p{Cf}/gu;

const SHORT: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const short = SHORT[c];
  if (short) return short;
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** `s` with every character that could act on the terminal or hide text shown as a visible escape: ESC as `\x1b`, U+202E as `\u202e`. */
export function printable(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}
