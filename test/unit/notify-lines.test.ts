import { describe, expect, it } from 'vitest';
import { parseNotifyLine } from '../../src/actors/readiness-hints.js';

describe('the notification protocol (one sd_notify message per line)', () => {
  it.each([
    ['READY=1', { kind: 'ready' }],
    ['STATUS=loading the model', { kind: 'status', text: 'loading the model' }],
    ['STATUS=', { kind: 'status', text: '' }],
    [`STATUS=${'x'.repeat(300)}`, { kind: 'status', text: 'x'.repeat(200) }],
    ['STATUS=tab\there\u001b[31m', { kind: 'status', text: 'tab here [31m' }],
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
