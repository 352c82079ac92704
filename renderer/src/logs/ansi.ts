/**
 * ANSI SGR colours to styled segments. The output is plain data (text plus
 * class names and numeric colours) that React renders as text nodes, so a
 * log line can never inject markup; every other escape sequence is dropped.
 */

export interface Segment {
  text: string;
  /** Palette index 0–15 for the theme's colours, or an `rgb()` string for 256/true colour. */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

type Style = Omit<Segment, 'text'>;

// CSI sequences (ESC [ params final), OSC (ESC ] … BEL or ESC \), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
// eslint-disable-next-line no-control-regex
const OTHER_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

const CUBE = [0, 95, 135, 175, 215, 255];

/** The colour for xterm's 256-colour index n. */
function color256(n: number): number | string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  return `rgb(${CUBE[Math.floor(i / 36)]},${CUBE[Math.floor(i / 6) % 6]},${CUBE[i % 6]})`;
}

function byte(v: number | undefined): number {
  return Math.max(0, Math.min(255, Math.trunc(v ?? 0)));
}

/** Applies one SGR parameter list to the style in place. */
function applySgr(style: Style, params: number[]): void {
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i] ?? 0;
    if (p === 0) for (const k of Object.keys(style) as (keyof Style)[]) delete style[k];
    else if (p === 1) style.bold = true;
    else if (p === 2) style.dim = true;
    else if (p === 3) style.italic = true;
    else if (p === 4) style.underline = true;
    else if (p === 7) style.inverse = true;
    else if (p === 22) {
      delete style.bold;
      delete style.dim;
    }
    else if (p === 23) delete style.italic;
    else if (p === 24) delete style.underline;
    else if (p === 27) delete style.inverse;
    else if (p >= 30 && p <= 37) style.fg = p - 30;
    else if (p >= 90 && p <= 97) style.fg = p - 90 + 8;
    else if (p >= 40 && p <= 47) style.bg = p - 40;
    else if (p >= 100 && p <= 107) style.bg = p - 100 + 8;
    else if (p === 39) delete style.fg;
    else if (p === 49) delete style.bg;
    else if (p === 38 || p === 48) {
      const key = p === 38 ? 'fg' : 'bg';
      const mode = params[i + 1];
      let value: number | string | undefined;
      if (mode === 5) {
        value = color256(params[i + 2] ?? -1);
        i += 2;
      } else if (mode === 2) {
        value = `rgb(${byte(params[i + 2])},${byte(params[i + 3])},${byte(params[i + 4])})`;
        i += 4;
      }
      if (value !== undefined) style[key] = value;
    }
  }
}

/** Splits one line into styled segments; adjacent text with the same style is merged. */
export function parseAnsi(line: string): Segment[] {
  if (!line.includes('\x1b')) return [{ text: line.replace(OTHER_CONTROLS, '') }];
  const out: Segment[] = [];
  const style: Style = {};
  let last = 0;
  const push = (text: string) => {
    const clean = text.replace(OTHER_CONTROLS, '');
    if (clean) out.push({ ...style, text: clean });
  };
  for (const m of line.matchAll(ESCAPES)) {
    push(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') applySgr(style, (m[1] ?? '').split(/[;:]/).filter((s) => s !== '').map(Number));
  }
  push(line.slice(last));
  return out;
}

/** The line as plain text, for search and copy. */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ESCAPES, '').replace(OTHER_CONTROLS, '') : line.replace(OTHER_CONTROLS, '');
}
