import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo, BackendSupervisor } from '../../src/index.js';
import { nextStatus, supervise } from '../helpers/supervisor.js';

/** Calls `command` from inside the listener that sees the launch begin: before its spawn, which waits for a task of its own. */
function onceSpawning(supervisor: BackendSupervisor, command: (supervisor: BackendSupervisor) => Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const off = supervisor.subscribe((status: BackendStatusInfo) => {
      if (status.phase !== 'starting.spawning') return;
      off();
      command(supervisor).catch(() => undefined);
      resolve();
    });
  });
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const launchLogs = (dir: string) => files(join(dir, 'logs')).filter((name) => name.endsWith('.log'));
const spawnLines = (dir: string) => launchLogs(dir).flatMap((name) => readFileSync(join(dir, 'logs', name), 'utf8').split('\n')).filter((line) => line.includes('spawning '));

describe('a stop or restart that comes before the spawn', () => {
  it('stop: no backend is born (no pid, no launch log, no lock), and the supervisor is stopped', async () => {
    const { supervisor, dir, statuses } = supervise('healthy.mjs', { env: { FIXTURE_READY_DELAY_MS: '200' } });
    const stopped = onceSpawning(supervisor, (s) => s.stop());
    const start = supervisor.start().then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    await stopped;
    await nextStatus(supervisor, (status) => status.status === 'stopped');
    // as a stop in any other phase of a start: start() rejects with STOPPED
    expect(await start).toBe('STOPPED');
    expect(statuses.filter((status) => status.pid !== undefined)).toEqual([]);
    expect(spawnLines(dir)).toEqual([]);
    expect(files(join(dir, 'state')).filter((name) => name.endsWith('.lock') || name.endsWith('.json'))).toEqual([]);
    expect(supervisor.getStatus().error).toBeUndefined();
  });

  it('stop with a stop request configured: no request is sent to a backend that was never born', async () => {
    const { supervisor, dir, statuses } = supervise('honours-stop-request.mjs', {
      env: { FIXTURE_READY_DELAY_MS: '200' },
      shutdown: { graceMs: 500, request: { method: 'POST', path: '/api/shutdown', waitMs: 300 } },
    });
    const stopped = onceSpawning(supervisor, (s) => s.stop());
    void supervisor.start().catch(() => undefined);
    await stopped;
    await nextStatus(supervisor, (status) => status.status === 'stopped');
    expect(statuses.filter((status) => status.pid !== undefined)).toEqual([]);
    expect(spawnLines(dir)).toEqual([]);
  });

  it('restart: exactly one backend is born, and it runs', async () => {
    const { supervisor, dir } = supervise('healthy.mjs', { env: { FIXTURE_READY_DELAY_MS: '50' } });
    const pids = new Set<number>();
    supervisor.subscribe((status) => status.pid !== undefined && pids.add(status.pid));
    const restarted = onceSpawning(supervisor, (s) => s.restart());
    void supervisor.start().catch(() => undefined);
    await restarted;
    const running = await nextStatus(supervisor, (status) => status.status === 'running');
    expect([...pids]).toEqual([running.pid]);
    expect(spawnLines(dir)).toHaveLength(1);
  });
});
