import { describe, expect, it } from 'vitest';
import { fitToColumns, statusLine } from '../../src/cli/render.js';
import { terminalSafe } from '../../src/report/terminal-text.js';
import type { BackendStatusInfo } from '../../src/index.js';

// every character a terminal interprets or that reorders a line: C0, DEL, C1, separators, bidi controls
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('text from a backend on a terminal', () => {
  it('shows controls and bidi overrides escaped, and leaves ordinary text (accents, emoji, CJK) as it is', () => {
    expect(terminalSafe('\x1b]0;title\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07')).toBe('\\x1b]0;title\\x07\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07');
    expect(terminalSafe('a\u009b31mb\u009d0;t\u0085c\u202eevil\u2066x\u200fy\r\n\t\x7f')).toBe('a\\x9b31mb\\x9d0;t\\x85c\\u202eevil\\u2066x\\u200fy\\x0d\\x0a\\x09\\x7f');
    expect(terminalSafe('café ünïcode 日本 🚀 - (ok)')).toBe('café ünïcode 日本 🚀 - (ok)');
    for (let code = 0; code < 0x3000; code++) expect(terminalSafe(String.fromCharCode(code))).not.toMatch(unsafe);
  });

  it('the status line escapes what the backend said (detail, error code), whatever it was', () => {
    const status: BackendStatusInfo = {
      status: 'error',
      port: 0,
      timestamp: new Date(0).toISOString(),
      phase: 'error',
      restarts: 0,
      sequence: 1,
      detail: 'loading\u009b2J\u202etxt.exe',
      error: { code: 'CRASHED\x1b[2J', message: 'x' },
    } as BackendStatusInfo;
    const line = statusLine(status, false);
    expect(line).not.toMatch(unsafe);
    expect(line).toContain('loading\\x9b2J\\u202etxt.exe');
    expect(line).toContain('CRASHED\\x1b[2J');
  });

  it('a line for a terminal fits in fewer columns than it has: cut with "…", wide characters counted as two, escapes as printed', () => {
    expect(fitToColumns('loading shard 1 of 400', 10)).toBe('loading …');
    expect(fitToColumns('fits', 5)).toBe('fits');
    expect(fitToColumns('fits!', 5)).toBe('fit…');
    expect(fitToColumns('日本語のテキスト', 8)).toBe('日本語…');
    expect(fitToColumns('🚀🚀🚀🚀', 6)).toBe('🚀🚀…');
    const status = { status: 'starting', port: 1733, timestamp: new Date(0).toISOString(), phase: 'starting.waitingForHealth', restarts: 0, sequence: 1, detail: `\x1b[2J${'x'.repeat(300)}` } as BackendStatusInfo;
    const line = statusLine(status, false, undefined, 80);
    expect([...line].length).toBe(79);
    expect(line).toContain('\\x1b[2J');
    expect(line.endsWith('x…')).toBe(true);
    expect(statusLine(status, true, undefined, 80).startsWith('\x1b[33m●\x1b[0m ')).toBe(true);
  });
});
