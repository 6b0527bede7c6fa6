import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { backendLifecycleMachine, defaultRestartPolicy, type LifecycleInput, type RestartPolicy } from '../../machines/index.js';
import { idleActors } from '../helpers/idle-actors.js';

const crash = (lastLine: string, exitCode = 1) => ({
  type: 'process.exited' as const,
  exitCode,
  signal: null,
  outputTail: ['Traceback (most recent call last):', lastLine],
  addressInUse: false,
  logFile: '/logs/a.log',
});
const missingFastapi = crash("ModuleNotFoundError: No module named 'fastapi'");

function actorWith(restart: Partial<RestartPolicy> = {}) {
  const clock = new SimulatedClock();
  const input: LifecycleInput = { graceMs: 1_000, restart: { ...defaultRestartPolicy, ...restart } };
  const actor = createActor(backendLifecycleMachine.provide({ actors: idleActors }), { input, clock }).start();
  let pid = 4000;
  /** Drives one launch from `starting` to a spawned backend waiting for its health answer. */
  const launch = () => {
    actor.send({ type: 'xstate.done.actor.prepareDirectories' } as never);
    actor.send({ type: 'xstate.done.actor.reapOrphans' } as never);
    actor.send({ type: 'xstate.done.actor.allocatePort', output: 1733 } as never);
    pid += 1;
    actor.send({ type: 'process.spawned', pid, instanceId: `i-${pid}`, logFile: '/logs/a.log' });
  };
  /** The group is gone; then waits out the backoff, if any. */
  const reaped = () => {
    actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
    let waited = 0;
    while (actor.getSnapshot().value === 'backoff' && waited < 60_000) {
      clock.increment(10);
      waited += 10;
    }
    return waited;
  };
  actor.send({ type: 'supervisor.start' });
  launch();
  return { actor, clock, launch, reaped };
}

describe('a start-up crash that repeats identically is a configuration error (default policy)', () => {
  it('the second identical crash ends in error: CRASHED_DURING_STARTUP, not retried, after one short backoff', () => {
    const { actor, launch, reaped } = actorWith();
    actor.send(missingFastapi);
    expect(reaped()).toBe(250);
    launch();
    actor.send(missingFastapi);
    reaped();
    const { value, context } = actor.getSnapshot();
    expect(value).toBe('error');
    expect(context.restarts).toBe(1);
    expect(context.error).toMatchObject({
      code: 'CRASHED_DURING_STARTUP',
      retryable: false,
      logFile: '/logs/a.log',
      details: { exitCode: 1, identicalCrashes: 2 },
    });
    expect(context.error?.message).toBe(
      "Backend server crashed during startup the same way 2 times in a row (exit code 1; last output: ModuleNotFoundError: No module named 'fastapi'): " +
        'a configuration error that restarting cannot fix, so it is not retried (is the command the interpreter that has your dependencies, e.g. the virtual environment\'s python?). Log: /logs/a.log',
    );
  });

  it('crashes that differ (exit code or last output) keep the backoff up to RESTART_LIMIT', () => {
    const { actor, launch, reaped } = actorWith({ maxRestarts: 3 });
    const crashes = [crash('error A'), crash('error B'), crash('error B', 2), crash('error A')];
    for (const [index, each] of crashes.entries()) {
      if (index > 0) launch();
      actor.send(each);
      reaped();
    }
    expect(actor.getSnapshot().context.error).toMatchObject({ code: 'RESTART_LIMIT', details: { restarts: 3, lastCode: 'CRASHED_DURING_STARTUP' } });
  });

  it('a run that reached running breaks the row: the same crash after it is retried again', () => {
    const { actor, launch, reaped } = actorWith();
    actor.send(missingFastapi);
    reaped();
    launch();
    actor.send({ type: 'xstate.done.actor.waitForHealth' } as never);
    actor.send({ ...missingFastapi, exitCode: 9 }); // a crash while running: EXITED_UNEXPECTEDLY, backoff
    expect(reaped()).toBeGreaterThan(0);
    launch();
    actor.send(missingFastapi);
    reaped();
    expect(actor.getSnapshot().value).toEqual({ starting: 'preparing' });
    launch();
    actor.send(missingFastapi);
    reaped();
    expect(actor.getSnapshot().context.error).toMatchObject({ code: 'CRASHED_DURING_STARTUP', retryable: false, details: { identicalCrashes: 2 } });
  });

  it('a user start() forgets earlier crashes; identicalStartupCrashes: 0 turns the check off', () => {
    const { actor, launch, reaped } = actorWith({ maxRestarts: 0 });
    actor.send(missingFastapi);
    reaped();
    expect(actor.getSnapshot().context.error).toMatchObject({ code: 'CRASHED_DURING_STARTUP' });
    expect(actor.getSnapshot().context.error?.details).not.toHaveProperty('identicalCrashes');
    actor.send({ type: 'supervisor.start' });
    launch();
    actor.send(missingFastapi);
    reaped();
    expect(actor.getSnapshot().context.error?.details).not.toHaveProperty('identicalCrashes');

    const off = actorWith({ maxRestarts: 2, identicalStartupCrashes: 0 });
    for (let crashNumber = 1; crashNumber <= 3; crashNumber++) {
      if (crashNumber > 1) off.launch();
      off.actor.send(missingFastapi);
      off.reaped();
    }
    expect(off.actor.getSnapshot().context.error).toMatchObject({ code: 'RESTART_LIMIT', details: { restarts: 2 } });
  });
});

describe('noRestartExitCodes holds during start-up too', () => {
  it('a start-up crash with a listed exit code (EX_CONFIG 78) ends in error at once: CRASHED_DURING_STARTUP, not retried', () => {
    const { actor, reaped } = actorWith({ noRestartExitCodes: [78] });
    actor.send(crash('config.toml: missing [server]', 78));
    expect(reaped()).toBe(0);
    const { value, context } = actor.getSnapshot();
    expect(value).toBe('error');
    expect(context.restarts).toBe(0);
    expect(context.error).toMatchObject({ code: 'CRASHED_DURING_STARTUP', retryable: false, details: { exitCode: 78 } });
  });

  it('an exit code not listed keeps the backoff', () => {
    const { actor, reaped } = actorWith({ noRestartExitCodes: [78] });
    actor.send(crash('config.toml: missing [server]', 3));
    expect(reaped()).toBe(250);
    expect(actor.getSnapshot().value).not.toBe('error');
  });
});
