// @vitest-environment jsdom
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseAnsi, stripAnsi } from '../../../renderer/src/logs/ansi';
import { AnsiLine } from '../../../renderer/src/logs/AnsiLine';

describe('parseAnsi', () => {
  it('splits colours, bold and resets into segments', () => {
    expect(parseAnsi('\x1b[1;31merror\x1b[0m: \x1b[92mok\x1b[39m done')).toEqual([
      { text: 'error', bold: true, fg: 1 },
      { text: ': ' },
      { text: 'ok', fg: 10 },
      { text: ' done' },
    ]);
  });

  it('maps 256-colour and true-colour codes to rgb()', () => {
    expect(parseAnsi('\x1b[38;5;196mred\x1b[48;2;1;2;300mbg')).toEqual([
      { text: 'red', fg: 'rgb(255,0,0)' },
      { text: 'bg', fg: 'rgb(255,0,0)', bg: 'rgb(1,2,255)' },
    ]);
    expect(parseAnsi('\x1b[38;5;240mgrey')).toEqual([{ text: 'grey', fg: 'rgb(88,88,88)' }]);
  });

  it('drops cursor moves, OSC titles and stray control characters', () => {
    expect(stripAnsi('\x1b]0;title\x07\x1b[2K\x1b[1Gprogress\x08 50%\r')).toBe('progress 50%');
    expect(parseAnsi('\x1b[?25lhidden cursor')).toEqual([{ text: 'hidden cursor' }]);
  });
});

describe('AnsiLine', () => {
  it('renders markup in a log line as text, never as HTML', () => {
    const evil = '\x1b[31m<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>\x1b[0m';
    const { container } = render(<AnsiLine text={evil} />);
    expect(container.querySelector('img, script')).toBeNull();
    expect(container.textContent).toBe('<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>');
    expect(container.querySelector('span.fg1')).not.toBeNull();
  });

  it('applies rgb colours only as style values', () => {
    const { container } = render(<AnsiLine text={'\x1b[38;2;10;20;30mx'} />);
    expect((container.querySelector('span') as HTMLElement).style.color).toBe('rgb(10, 20, 30)');
  });
});
