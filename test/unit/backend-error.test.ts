// BackendError's plain-data form (what JSON.stringify and IPC senders use) keeps every field the
// error carries: a renderer told CRASHED_DURING_STARTUP must still learn that it was not retried.
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/index.js';

describe('BackendError.toJSON', () => {
  it('keeps retryable, hint, details and the cause, and makes the same error again', () => {
    const fields = {
      code: 'RESTART_LIMIT',
      message: 'gave up',
      retryable: false,
      hint: 'use the venv',
      details: { lastCode: 'CRASHED_DURING_STARTUP' },
      cause: { code: 'CRASHED_DURING_STARTUP', message: 'crashed', retryable: false },
    } as const;
    const error = new BackendError(fields);
    const plain = JSON.parse(JSON.stringify(error)) as ReturnType<BackendError['toJSON']>;
    expect(plain).toEqual(fields);
    expect(new BackendError(plain).retryable).toBe(false);
  });
});
