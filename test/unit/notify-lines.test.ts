import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { onNotifyLines, parseNotifyLine } from '../../src/actors/readiness-hints.js';

describe('the notification protocol (one sd_notify message per line)', () => {
  it.each([
    ['READY=1', { kind: 'ready' }],
    ['STATUS=loading the model', { kind: 'status', text: 'loading the model' }],
    ['STATUS=', { kind: 'status', text: '' }],
    [`STATUS=${'x'.repeat(300)}`, { kind: 'status', text: 'x'.repeat(200) }],
    ['STATUS=tab\there\u001b[31m', { kind: 'status', text: 'tab here [31m' }],
    // 8-bit CSI and OSC, NEL, and bidi overrides that would reorder the text in an app's window
    ['STATUS=a\u009b2Jb\u009d0;t\u0085c\u202eexe.txt\u2066d\u200f', { kind: 'status', text: 'a 2Jb 0;t c exe.txt d' }],
    ['EXTEND_TIMEOUT_USEC=30000000', { kind: 'extend', ms: 30_000 }],
    ['EXTEND_TIMEOUT_USEC=1', { kind: 'extend', ms: 1 }],
    ['EXTEND_TIMEOUT_USEC=-5', { kind: 'other' }],
    ['EXTEND_TIMEOUT_USEC=1e9', { kind: 'other' }],
    ['EXTEND_TIMEOUT_USEC=9999999999999999', { kind: 'other' }],
    ['READY=0', { kind: 'other' }],
    ['WATCHDOG=1', { kind: 'other' }],
  ])('%j → %j', (line, message) => {
    expect(parseNotifyLine(line)).toEqual(message);
  });
});

describe('reading the notification fd as a stream', () => {
  const read = (chunks: string[]) => {
    const stream = new PassThrough();
    const lines: string[] = [];
    onNotifyLines(stream, (line) => lines.push(line), (start) => lines.push(`overlong: ${start}`));
    for (const chunk of chunks) stream.write(chunk);
    return lines;
  };

  it('joins a line split across reads and takes a final READY=1 without its newline', async () => {
    const lines = read(['STATUS=loa', 'ding\nREA', 'DY=1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual(['STATUS=loading', 'READY=1']);
  });

  it('drops an overlong line whole: its tail is never read as a message of its own', async () => {
    const lines = read([`STATUS=${'x'.repeat(5000)}`, 'READY=1', '\nSTATUS=next\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([`overlong: STATUS=${'x'.repeat(193)}`, 'STATUS=next']);
  });
});
