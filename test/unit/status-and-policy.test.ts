import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { backendLifecycleMachine, defaultRestartPolicy, deriveStatus, type LifecycleInput, restartDelayMs } from '../../machines/index.js';
import { restartLimitFailure, startupExitFailure, toFailure } from '../../machines/failure.js';
import { idleActors } from '../helpers/idle-actors.js';

const input: LifecycleInput = { graceMs: 1_000, restart: { ...defaultRestartPolicy, maxRestarts: 3, windowMs: 10_000 } };

/** An actor whose backend was spawned and is waiting for its health answer. */
function waitingActor() {
  const clock = new SimulatedClock();
  const actor = createActor(backendLifecycleMachine.provide({ actors: idleActors }), { input, clock }).start();
  actor.send({ type: 'supervisor.start' });
  actor.send({ type: 'xstate.done.actor.prepareDirectories' } as never);
  actor.send({ type: 'xstate.done.actor.reapOrphans' } as never);
  actor.send({ type: 'xstate.done.actor.allocatePort', output: 1733 } as never);
  actor.send({ type: 'process.spawned', pid: 4242, instanceId: 'i-1', logFile: '/logs/a.log' });
  return { actor, clock };
}

function runningActor() {
  const waiting = waitingActor();
  waiting.actor.send({ type: 'xstate.done.actor.waitForHealth' } as never);
  return waiting;
}

const exit = { type: 'process.exited' as const, exitCode: 1, signal: null, outputTail: ['boom'], addressInUse: false, logFile: '/logs/a.log' };

describe('the pure machine on a simulated clock', () => {
  it('derives the public status, port and pid from the snapshot', () => {
    const { actor } = runningActor();
    expect(deriveStatus(actor.getSnapshot(), new Date(0), 7)).toEqual({
      status: 'running', port: 1733, pid: 4242, phase: 'running', restarts: 0, timestamp: '1970-01-01T00:00:00.000Z', sequence: 7,
    });
  });

  it('SIGKILL follows SIGTERM exactly when the grace period ends', () => {
    const { actor, clock } = runningActor();
    actor.send({ type: 'supervisor.stop' });
    clock.increment(999);
    expect(actor.getSnapshot().value).toEqual({ launched: 'terminating' });
    clock.increment(1);
    expect(actor.getSnapshot().value).toEqual({ launched: 'killing' });
  });

  it('restart delays double per restart and a stable run resets the count', () => {
    const { actor, clock } = runningActor();
    const delays: number[] = [];
    for (let restart = 1; restart <= 3; restart++) {
      actor.send(exit);
      actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
      expect(actor.getSnapshot().value).toBe('backoff');
      let waited = 0;
      while (actor.getSnapshot().value === 'backoff') {
        clock.increment(10);
        waited += 10;
      }
      delays.push(waited);
      actor.send({ type: 'xstate.done.actor.prepareDirectories' } as never);
      actor.send({ type: 'xstate.done.actor.reapOrphans' } as never);
      actor.send({ type: 'xstate.done.actor.allocatePort', output: 1733 } as never);
      actor.send({ type: 'process.spawned', pid: 4242 + restart, instanceId: `i-${restart}`, logFile: '/logs/a.log' });
      actor.send({ type: 'xstate.done.actor.waitForHealth' } as never);
    }
    expect(delays).toEqual([250, 500, 1000]);
    expect(actor.getSnapshot().context.restarts).toBe(3);
    clock.increment(10_000);
    expect(actor.getSnapshot().context.restarts).toBe(0);
  });

  it('gives up with RESTART_LIMIT on the crash after the last allowed restart; start() works again from there', () => {
    const { actor, clock } = runningActor();
    for (let restart = 1; restart <= 3; restart++) {
      actor.send(exit);
      actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
      clock.increment(30_000); // past any backoff delay
      actor.send({ type: 'xstate.done.actor.prepareDirectories' } as never);
      actor.send({ type: 'xstate.done.actor.reapOrphans' } as never);
      actor.send({ type: 'xstate.done.actor.allocatePort', output: 1733 } as never);
      actor.send({ type: 'process.spawned', pid: 5000 + restart, instanceId: `i-${restart}`, logFile: '/logs/a.log' });
      actor.send({ type: 'xstate.done.actor.waitForHealth' } as never);
      expect(actor.getSnapshot().context.restarts).toBe(restart);
    }
    actor.send(exit);
    actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe('error');
    expect(snapshot.context.error).toMatchObject({ code: 'RESTART_LIMIT', details: { restarts: 3, lastCode: 'EXITED_UNEXPECTEDLY' } });
    actor.send({ type: 'supervisor.start' });
    expect(actor.getSnapshot().value).toEqual({ starting: 'preparing' });
    expect(actor.getSnapshot().context).toMatchObject({ restarts: 0, error: undefined });
  });

  it('a user restart during backoff skips the delay and resets the count', () => {
    const { actor } = runningActor();
    actor.send(exit);
    actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
    expect(actor.getSnapshot().value).toBe('backoff');
    actor.send({ type: 'supervisor.restart' });
    expect(actor.getSnapshot().value).toEqual({ starting: 'preparing' });
    expect(actor.getSnapshot().context.restarts).toBe(0);
  });

  it("a crashed launch's progress text does not outlive it into the backoff", () => {
    const { actor } = waitingActor();
    actor.send({ type: 'process.progress', detail: 'loading model' });
    expect(deriveStatus(actor.getSnapshot(), new Date(0), 1).detail).toBe('loading model');
    actor.send(exit);
    expect(deriveStatus(actor.getSnapshot(), new Date(0), 2).detail).toBeUndefined();
    actor.send({ type: 'xstate.done.actor.reapGroup' } as never);
    expect(actor.getSnapshot().value).toBe('backoff');
    const status = deriveStatus(actor.getSnapshot(), new Date(0), 3);
    expect(status.status).toBe('starting');
    expect(status.detail).toBeUndefined();
  });
});

describe('restart policy', () => {
  it('grows exponentially, is capped, and jitters by at most ±25%', () => {
    const policy = { ...defaultRestartPolicy, initialDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelayMs(policy, n, 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(restartDelayMs(policy, 2, 0)).toBe(150);
    expect(restartDelayMs(policy, 2, 0.999)).toBe(250);
    expect(restartDelayMs(policy, 9, 0.999)).toBe(1000);
  });
});

describe('failure mapping', () => {
  it("keeps the wording of MineContext's backend manager and names the log", () => {
    const base = { exitCode: 1, signal: null, outputTail: [], logFile: '/l.log' };
    expect(startupExitFailure({ ...base, addressInUse: true }, 1733).message).toBe('Backend server failed to start - port already in use (port 1733, exit code 1). Log: /l.log');
    expect(startupExitFailure({ ...base, signal: 'SIGSEGV', exitCode: null, addressInUse: false }, 1733).message).toBe(
      'Backend server crashed during startup (signal SIGSEGV). Log: /l.log',
    );
  });

  it('wraps unknown errors without losing their message', () => {
    expect(toFailure(new Error('disk full'), 'STOP_FAILED')).toEqual({ code: 'STOP_FAILED', message: 'Backend supervisor failed unexpectedly: disk full' });
  });
});

describe('the words of RESTART_LIMIT', () => {
  it('count one restart as one', () => {
    expect(restartLimitFailure(1, 60_000, undefined).message).toBe('Backend server could not be kept running: gave up after 1 restart without a stable run of 60000 ms');
    expect(restartLimitFailure(2, 60_000, undefined).message).toBe('Backend server could not be kept running: gave up after 2 restarts without a stable run of 60000 ms');
  });
});
