import { describe, expect, it } from 'vitest';
import { fixture, nextStatus, supervise } from '../helpers/supervisor.js';

describe('what holds a stop', () => {
  it('while stopping, the status detail names each live process of the group, its command and the seconds since the stop began', async () => {
    const { supervisor, statuses } = supervise('holds-stop.mjs', { shutdown: { graceMs: 2_500 } });
    const running = await supervisor.start();
    const stopped = supervisor.stop();
    const holding = await nextStatus(supervisor, (status) => status.status === 'stopping' && /waiting for [23] processes/.test(status.detail ?? ''));
    expect(holding.detail).toMatch(new RegExp(`^waiting for [23] processes of group ${running.pid} \\(\\d+ s since the stop began\\): `));
    expect(holding.detail).toContain(`${running.pid} ${process.execPath} ${fixture('holds-stop.mjs')}`);
    expect(holding.detail).toMatch(/; \d+ sh -c trap "" TERM; while :; do sleep 1; done holds-stop-worker/);
    // the seconds grow while the stop waits, and the list goes with the stop
    await nextStatus(supervisor, (status) => /\(([1-9]\d*) s since/.test(status.detail ?? ''));
    await stopped;
    expect(supervisor.getStatus().detail).toBeUndefined();
    expect(statuses.filter((status) => status.status === 'running').every((status) => status.detail === undefined)).toBe(true);
  });
});
