import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { supervise } from '../helpers/supervisor.js';

type Outcome = { kind: 'resolved'; status: BackendStatusInfo } | { kind: 'rejected'; code: string };

/** Records how a command's promise settled. */
function outcome(promise: Promise<BackendStatusInfo>): Promise<Outcome> {
  return promise.then(
    (status) => ({ kind: 'resolved', status }),
    (error: { code: string }) => ({ kind: 'rejected', code: error.code }),
  );
}

describe('every command promise settles once, with the outcome of that command', () => {
  it('restart() overtaken by stop() rejects with STOPPED instead of waiting for an unrelated running', async () => {
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const restarted = outcome(supervisor.restart());
    const stopped = outcome(supervisor.stop());
    expect(await stopped).toMatchObject({ kind: 'resolved', status: { status: 'stopped' } });
    expect(await restarted).toEqual({ kind: 'rejected', code: 'STOPPED' });
  });

  it('start() during a start, then stop(): both starts reject with STOPPED, the stop resolves stopped', async () => {
    const { supervisor } = supervise('healthy.mjs', { env: { FIXTURE_READY_DELAY_MS: '300' } });
    const first = outcome(supervisor.start());
    const second = outcome(supervisor.start());
    const stopped = outcome(supervisor.stop());
    expect(await first).toEqual({ kind: 'rejected', code: 'STOPPED' });
    expect(await second).toEqual({ kind: 'rejected', code: 'STOPPED' });
    expect(await stopped).toMatchObject({ kind: 'resolved', status: { status: 'stopped' } });
  });

  it('stop() overtaken by start() resolves once the old backend is gone; the start resolves running', async () => {
    const { supervisor } = supervise('healthy.mjs');
    const before = await supervisor.start();
    const stopped = outcome(supervisor.stop());
    const started = outcome(supervisor.start());
    expect((await stopped).kind).toBe('resolved');
    const start = await started;
    expect(start).toMatchObject({ kind: 'resolved', status: { status: 'running' } });
    expect(start.kind === 'resolved' ? start.status.pid : before.pid).not.toBe(before.pid);
  });
});
