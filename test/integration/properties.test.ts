import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackendStatus, BackendStatusInfo } from '../../src/index.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { supervise, testMarker } from '../helpers/supervisor.js';

type Action = { kind: 'start' | 'stop' | 'restart' | 'crash' | 'startAndWait' } | { kind: 'wait'; ms: number };

// pauses weigh as much as commands, and 'startAndWait' (a start awaited until it settles) makes the
// running and crash paths common however slow the machine is: they matter most
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constantFrom<Action>({ kind: 'start' }, { kind: 'stop' }, { kind: 'restart' }, { kind: 'crash' }), weight: 2 },
  { arbitrary: fc.integer({ min: 50, max: 400 }).map((ms): Action => ({ kind: 'wait', ms })), weight: 2 },
  { arbitrary: fc.constant<Action>({ kind: 'startAndWait' }), weight: 1 },
);

// Status changes the statechart can make; anything else in a sequence is a bug.
const allowed: Record<BackendStatus, BackendStatus[]> = {
  stopped: ['starting'],
  starting: ['starting', 'running', 'stopping', 'stopped', 'error'],
  running: ['running', 'stopping'],
  stopping: ['stopping', 'stopped', 'starting', 'error'],
  error: ['starting', 'stopped'],
};

type Outcome = { command: 'start' | 'stop' | 'restart'; settled: 'resolved' | 'rejected' | 'pending'; status?: string; code?: string };

/** Tracks one command's promise; `settled` stays 'pending' until it settles. */
function track(command: Outcome['command'], promise: Promise<BackendStatusInfo>, outcomes: Outcome[]): void {
  const outcome: Outcome = { command, settled: 'pending' };
  outcomes.push(outcome);
  promise.then(
    (status) => Object.assign(outcome, { settled: 'resolved', status: status.status }),
    (error: { code?: string }) => Object.assign(outcome, { settled: 'rejected', code: error.code }),
  );
}

describe('properties: random commands and faults against a real supervisor', () => {
  it('never two backends alive, every status step valid, every promise settles with its own outcome, and stop always ends stopped with nothing left', async () => {
    const seen = { runs: 0, reachedRunning: 0, crashedWhileAlive: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 8 }), async (actions) => {
        const { supervisor, statuses } = supervise('healthy.mjs', { shutdown: { graceMs: 300 }, restart: { maxRestarts: 2, initialDelayMs: 20 } });
        let mostAlive = 0;
        const outcomes: Outcome[] = [];
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
          } else if (step.kind === 'startAndWait') {
            const started = supervisor.start();
            track('start', started, outcomes);
            await started.catch(() => undefined);
          } else track(step.kind, supervisor[step.kind](), outcomes);
        }
        const end = await supervisor.stop();
        await new Promise((resolve) => setTimeout(resolve, 0)); // let the settled promises' callbacks run
        off();
        expect(outcomes.filter((o) => o.settled === 'pending'), JSON.stringify(outcomes)).toEqual([]);
        for (const outcome of outcomes) {
          if (outcome.command === 'stop') expect(outcome.settled === 'rejected' ? outcome.code : outcome.status).toMatch(/^(stopped|starting|running|STOP_FAILED)$/);
          else if (outcome.settled === 'resolved') expect(outcome.status).toBe('running');
          else expect(outcome.code).toMatch(/^(STOPPED|RESTART_LIMIT|EXITED_UNEXPECTEDLY|CRASHED_DURING_STARTUP|UNHEALTHY|HEALTH_TIMEOUT|PORT_UNAVAILABLE)$/);
        }
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
      { examples: [[[{ kind: 'startAndWait' }]]], numRuns: 25, interruptAfterTimeLimit: 60_000, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
    // the property must have met the interesting cases, not only quick start/stop pairs
    expect(seen.reachedRunning).toBeGreaterThan(0);
    console.log(`properties: ${seen.runs} runs, ${seen.reachedRunning} reached running, ${seen.crashedWhileAlive} backends SIGKILLed mid-run`);
  }, 90_000);
});
