import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo, BackendSupervisorOptions } from '../../src/index.js';
import { isRunning } from '../helpers/leaks.js';
import { nextStatus, supervise } from '../helpers/supervisor.js';

interface Scenario {
  fixture: string;
  options: Partial<BackendSupervisorOptions>;
  /** After start(): what drives the backend through the phase (a stop for the stopping phases). */
  drive?: 'stop';
  /** The backend crashes on its own shortly after it runs: its pid may be gone by the time we look. */
  crashes?: true;
}

const slowStart: Scenario = { fixture: 'healthy.mjs', options: { env: { FIXTURE_READY_DELAY_MS: '200' } } };
const stubbornStop: Scenario = { fixture: 'ignores-sigterm.mjs', options: { shutdown: { graceMs: 300 } }, drive: 'stop' };
const crashLoop: Scenario = { fixture: 'crash-later.mjs', options: { env: { FIXTURE_CRASH_AFTER_MS: '100' }, restart: { maxRestarts: 3, initialDelayMs: 300 } }, crashes: true };

const phases: [string, Scenario][] = [
  ['starting.preparing', slowStart],
  ['starting.reapingOrphans', slowStart],
  ['starting.allocatingPort', slowStart],
  ['starting.spawning', slowStart],
  ['starting.waitingForHealth', slowStart],
  ['running', slowStart],
  ['stopping.terminating', stubbornStop],
  ['stopping.killing', stubbornStop],
  ['stopping.confirming', stubbornStop],
  ['starting.backoff', crashLoop],
];

describe('stop and restart in every phase, with real processes', () => {
  for (const [phase, scenario] of phases) {
    for (const command of ['stop', 'restart'] as const) {
      it(`${command} during ${phase} ends ${command === 'stop' ? 'stopped with nothing left' : 'running'}`, async () => {
        const { supervisor, statuses } = supervise(scenario.fixture, scenario.options);
        const pids = new Set<number>();
        supervisor.subscribe((status) => status.pid !== undefined && pids.add(status.pid));
        const fired = new Promise<void>((resolve) => {
          const off = supervisor.subscribe((status: BackendStatusInfo) => {
            if (status.phase !== phase) return;
            off();
            supervisor[command]().catch(() => undefined); // sent from inside the listener: queued by XState
            resolve();
          });
        });
        const started = supervisor.start().catch(() => undefined);
        if (scenario.drive === 'stop') {
          await started;
          void supervisor.stop();
        }
        await fired;
        const wanted = command === 'stop' ? 'stopped' : 'running';
        const settled = await nextStatus(supervisor, (s) => s.status === wanted && statuses.some((seen) => seen.phase === phase));
        expect(settled.status).toBe(wanted);
        if (command === 'stop') for (const pid of pids) expect(isRunning(pid)).toBe(false);
        else if (!scenario.crashes) expect(isRunning(settled.pid as number)).toBe(true);
      });
    }
  }
});
