import { describe, expect, it } from 'vitest';
import { statusLine } from '../../src/cli/render.js';
import { supervise } from '../helpers/supervisor.js';

describe('start-up progress from the backend (STATUS= and EXTEND_TIMEOUT_USEC= on the notification fd)', () => {
  it('STATUS= lines become the status detail while starting, pushed like any change, and vanish once running', async () => {
    const { supervisor, statuses } = supervise('reports-progress.mjs');
    await supervisor.start();
    const starting = statuses.filter((status) => status.detail !== undefined);
    expect(starting.map((status) => [status.phase, status.detail])).toEqual([
      ['starting.waitingForHealth', 'loading the model'],
      ['starting.waitingForHealth', 'warming caches  (control characters dropped)'],
    ]);
    expect(statusLine(starting[0] as (typeof starting)[0], false)).toMatch(/\(starting\.waitingForHealth\) {2}- loading the model$/);
    expect(supervisor.getStatus()).not.toHaveProperty('detail');
    await supervisor.stop();
  });

  it('EXTEND_TIMEOUT_USEC= carries a start past startupTimeoutMs; the same start without it times out', async () => {
    const slow = { FIXTURE_LOAD_MS: '1500' };
    const extended = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 500 }, env: { ...slow, FIXTURE_EXTEND_USEC: '5000000' } });
    expect((await extended.supervisor.start()).status).toBe('running');
    await extended.supervisor.stop();
    const plain = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 500 }, env: slow });
    await expect(plain.supervisor.start()).rejects.toMatchObject({ code: 'HEALTH_TIMEOUT' });
  });

  it('an extension never goes past health.maxStartupMs, counted from the launch', async () => {
    const { supervisor } = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 300, maxStartupMs: 800 }, env: { FIXTURE_LOAD_MS: '3000', FIXTURE_EXTEND_USEC: '60000000' } });
    const error = await supervisor.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    expect((error as Error).message).toMatch(/within 800 ms/);
  });
});
