// A secret-named variable the app sets between two launches is redacted from what the next launch
// sends, also when that launch fails before its spawn (no new instance id yet).
import { afterEach, describe, expect, it } from 'vitest';
import { supervise } from '../helpers/supervisor.js';

const name = 'BL_TEST_LATE_BEFORE_SPAWN_TOKEN';
afterEach(() => {
  delete process.env[name];
});

describe('a secret the app sets before a launch that fails to spawn', () => {
  it('is redacted from the error the start rejects with and from the statuses', async () => {
    const value = 'late-secret-before-spawn-0123456789';
    // execa's message of a failed spawn names the command line (kept in the error's details)
    const { supervisor, statuses } = supervise('healthy.mjs', { command: '/nonexistent-backend-lifecycle-test/bin', args: ['--token', value] });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
    process.env[name] = value;
    const second = await supervisor.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(second).toMatchObject({ code: 'SPAWN_FAILED' });
    expect(JSON.stringify(second)).toContain('[REDACTED]');
    expect(JSON.stringify(second)).not.toContain(value);
    expect(JSON.stringify(statuses.slice(statuses.findLastIndex((status) => status.status === 'stopped')))).not.toContain(value);
  });
});
