import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesWithEnv } from '../helpers/leaks.js';
import { nextStatus, supervise, tempDir, testMarker } from '../helpers/supervisor.js';

describe('more of the fault matrix', () => {
  it('a command that is not executable is SPAWN_FAILED (EACCES), without retries', async () => {
    const script = join(tempDir('eacces'), 'backend.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const { supervisor, phases } = supervise('healthy.mjs', { command: script, args: [], restart: { maxRestarts: 3 } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED', details: { cause: 'EACCES' } });
    expect((error as Error).message).toMatch(/^Backend server failed to start - command ".*backend\.sh" is not executable \(permission denied\)\. Log: /);
    expect(phases()).not.toContain('starting.backoff');
  });

  it('a health endpoint that never answers is HEALTH_TIMEOUT naming the request timeout', async () => {
    const { supervisor } = supervise('hangs-health.mjs', { health: { startupTimeoutMs: 2_000, requestTimeoutMs: 200 } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    expect((error as Error).message).toContain('last check: no answer within 200 ms');
  });

  it('an exit with code 0 while running is still unexpected: reported and restarted', async () => {
    const { supervisor } = supervise('crash-later.mjs', { env: { FIXTURE_EXIT_CODE: '0' }, restart: { maxRestarts: 1, initialDelayMs: 10 } });
    const first = await supervisor.start();
    const crashed = await nextStatus(supervisor, (s) => s.error?.code === 'EXITED_UNEXPECTEDLY');
    expect(crashed.error?.message).toMatch(/^Backend server exited unexpectedly \(exit code 0; /);
    const again = await nextStatus(supervisor, (s) => s.status === 'running' && s.pid !== first.pid);
    expect(again.restarts).toBe(1);
  });

  it('100 rapid start/stop calls end stopped, with never two backends alive and nothing left', async () => {
    const { supervisor, statuses } = supervise('healthy.mjs');
    let mostAlive = 0;
    const off = supervisor.subscribe(() => {
      mostAlive = Math.max(mostAlive, processesWithEnv('BL_TEST_MARKER', testMarker).length);
    });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      calls.push(supervisor.start().catch(() => undefined));
      calls.push(supervisor.stop());
    }
    const last = await supervisor.stop();
    await Promise.all(calls);
    off();
    expect(last.status).toBe('stopped');
    expect(supervisor.getStatus().status).toBe('stopped');
    expect(mostAlive).toBeLessThanOrEqual(1);
    expect(statuses.at(-1)?.status).toBe('stopped');
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });
});
