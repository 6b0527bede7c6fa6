import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackendStatus } from '../../src/index.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { supervise, testMarker } from '../helpers/supervisor.js';

type Action = { kind: 'start' | 'stop' | 'restart' | 'crash' } | { kind: 'wait'; ms: number };

// pauses weigh as much as commands: a backend needs ~150 ms to come up, and the running and crash paths matter most
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constantFrom<Action>({ kind: 'start' }, { kind: 'stop' }, { kind: 'restart' }, { kind: 'crash' }), weight: 1 },
  { arbitrary: fc.integer({ min: 50, max: 400 }).map((ms): Action => ({ kind: 'wait', ms })), weight: 1 },
);

// Status changes the statechart can make; anything else in a sequence is a bug.
const allowed: Record<BackendStatus, BackendStatus[]> = {
  stopped: ['starting'],
  starting: ['starting', 'running', 'stopping', 'stopped', 'error'],
  running: ['running', 'stopping'],
  stopping: ['stopping', 'stopped', 'starting', 'error'],
  error: ['starting', 'stopped'],
};

describe('properties: random commands and faults against a real supervisor', () => {
  it('never two backends alive, every status step valid, and stop always ends stopped with nothing left', async () => {
    const seen = { runs: 0, reachedRunning: 0, crashedWhileAlive: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 8 }), async (actions) => {
        const { supervisor, statuses } = supervise('healthy.mjs', { shutdown: { graceMs: 300 }, restart: { maxRestarts: 2, initialDelayMs: 20 } });
        let mostAlive = 0;
        const off = supervisor.subscribe(() => {
          mostAlive = Math.max(mostAlive, processesWithEnv('BL_TEST_MARKER', testMarker).length);
        });
        for (const step of actions) {
          if (step.kind === 'wait') await new Promise((resolve) => setTimeout(resolve, step.ms));
          else if (step.kind === 'crash') {
            const pid = supervisor.getStatus().pid;
            if (pid !== undefined) {
              process.kill(pid, 'SIGKILL');
              seen.crashedWhileAlive++;
            }
          } else supervisor[step.kind]().catch(() => undefined);
        }
        const end = await supervisor.stop();
        off();
        seen.runs++;
        if (statuses.some((s) => s.status === 'running')) seen.reachedRunning++;
        expect(end.status).toBe('stopped');
        expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
        expect(mostAlive).toBeLessThanOrEqual(1);
        for (let i = 1; i < statuses.length; i++) {
          const from = statuses[i - 1]?.status as BackendStatus;
          const to = statuses[i]?.status as BackendStatus;
          expect(allowed[from], `${from} → ${to} in ${statuses.map((s) => s.phase).join(' > ')}`).toContain(to);
        }
      }),
      { numRuns: 25, interruptAfterTimeLimit: 60_000, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
    // the property must have met the interesting cases, not only quick start/stop pairs
    expect(seen.reachedRunning).toBeGreaterThan(0);
    console.log(`properties: ${seen.runs} runs, ${seen.reachedRunning} reached running, ${seen.crashedWhileAlive} backends SIGKILLed mid-run`);
  }, 90_000);
});
