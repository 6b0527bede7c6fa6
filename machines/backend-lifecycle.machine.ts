import { assign, type EventObject, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import type { HealthInput, LifecycleEvent, ProcessControlEvent, ReapGroupInput, RunBackendInput } from './events.js';
import { type Failure, restartLimitFailure, runningExitFailure, startupExitFailure, toFailure } from './failure.js';
import { type RestartPolicy, restartDelayMs } from './restart-policy.js';

/** What the supervisor plans once the backend's process group is gone. */
export type AfterStop = 'stopped' | 'restart' | 'recover' | 'fail';

/** Settings the statechart itself needs (everything else belongs to the actors). */
export interface LifecycleInput {
  graceMs: number;
  restart: RestartPolicy;
}

export interface LifecycleContext extends LifecycleInput {
  port: number;
  /** The backend's pid while it is alive. */
  pid: number | undefined;
  /** Its process group, kept until the group is confirmed gone. */
  pgid: number | undefined;
  instanceId: string | undefined;
  logFile: string | undefined;
  /** Automatic restarts since the last stable run or user command. */
  restarts: number;
  error: Failure | undefined;
  afterStop: AfterStop;
}

/** The status tags: exactly one per state, the carrier of `BackendStatus`. */
export type LifecycleTag = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

function notProvided(name: string): never {
  throw new Error(`The "${name}" actor is not provided: use createBackendSupervisor() or machine.provide({ actors })`);
}

/**
 * The backend's whole lifecycle as a pure XState v5 statechart: no I/O, every effect is an
 * actor supplied through `provide({ actors })` (see `createBackendSupervisor`).
 *
 * @example
 * import { createActor } from 'xstate';
 * import { backendLifecycleMachine } from 'backend-lifecycle';
 * const actor = createActor(backendLifecycleMachine.provide({ actors: myActors }), { input });
 */
export const backendLifecycleMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleInput,
    tags: {} as LifecycleTag,
  },
  actors: {
    prepareDirectories: fromPromise<void>(async () => notProvided('prepareDirectories')),
    reapOrphans: fromPromise<void>(async () => notProvided('reapOrphans')),
    allocatePort: fromPromise<number>(async () => notProvided('allocatePort')),
    runBackend: fromCallback<ProcessControlEvent, RunBackendInput>(() => notProvided('runBackend')),
    waitForHealth: fromPromise<void, HealthInput>(async () => notProvided('waitForHealth')),
    monitorHealth: fromCallback<EventObject, HealthInput>(() => notProvided('monitorHealth')),
    reapGroup: fromPromise<void, ReapGroupInput>(async () => notProvided('reapGroup')),
  },
  delays: {
    killGrace: ({ context }) => context.graceMs,
    restartDelay: ({ context }) => restartDelayMs(context.restart, context.restarts, 0.5),
    stableRun: ({ context }) => context.restart.windowMs,
  },
  guards: {
    wantsRestart: ({ context }) => context.afterStop === 'restart',
    wantsRecovery: ({ context }) => context.afterStop === 'recover',
    wantsFailure: ({ context }) => context.afterStop === 'fail',
    canRecover: ({ context }) => context.error?.retryable !== false && context.restarts < context.restart.maxRestarts,
  },
  actions: {
    freshStart: assign({ restarts: 0, error: undefined, afterStop: 'stopped' as AfterStop }),
    forgetProcess: assign({ port: 0, pid: undefined, pgid: undefined, instanceId: undefined }),
    recordSpawn: assign({
      pid: ({ event }) => (event.type === 'process.spawned' ? event.pid : undefined),
      // detached children lead their own group, so the group id is the pid
      pgid: ({ event }) => (event.type === 'process.spawned' ? event.pid : undefined),
      instanceId: ({ event }) => (event.type === 'process.spawned' ? event.instanceId : undefined),
      logFile: ({ context, event }) => (event.type === 'process.spawned' ? event.logFile : context.logFile),
    }),
    clearError: assign({ error: undefined }),
    planStop: assign({ afterStop: 'stopped' as AfterStop }),
    planRestart: assign({ afterStop: 'restart' as AfterStop }),
    planRecovery: assign({ afterStop: 'recover' as AfterStop }),
    planFailure: assign({ afterStop: 'fail' as AfterStop }),
    countRestart: assign({ restarts: ({ context }) => context.restarts + 1 }),
    resetRestarts: assign({ restarts: 0 }),
    signalTerm: sendTo('runBackend', { type: 'process.signal', signal: 'SIGTERM' } satisfies ProcessControlEvent),
    signalKill: sendTo('runBackend', { type: 'process.signal', signal: 'SIGKILL' } satisfies ProcessControlEvent),
    // the error of an actor, or of a launch that cannot go on: final, restarting cannot help
    recordFinalError: assign({ error: ({ event }) => ({ ...toFailure((event as { error?: unknown }).error, 'SPAWN_FAILED'), retryable: false }) }),
    giveUp: assign({
      error: ({ context }) =>
        context.restart.maxRestarts === 0 || context.error?.retryable === false
          ? context.error
          : restartLimitFailure(context.restarts, context.restart.windowMs, context.error),
    }),
  },
}).createMachine({
  id: 'backendLifecycle',
  initial: 'stopped',
  context: ({ input }) => ({
    ...input,
    port: 0,
    pid: undefined,
    pgid: undefined,
    instanceId: undefined,
    logFile: undefined,
    restarts: 0,
    error: undefined,
    afterStop: 'stopped',
  }),
  states: {
    stopped: {
      tags: 'stopped',
      entry: 'forgetProcess',
      on: {
        'supervisor.start': { target: 'starting', actions: 'freshStart' },
        'supervisor.restart': { target: 'starting', actions: 'freshStart' },
      },
    },
    error: {
      tags: 'error',
      entry: 'forgetProcess',
      on: {
        'supervisor.start': { target: 'starting', actions: 'freshStart' },
        'supervisor.restart': { target: 'starting', actions: 'freshStart' },
        'supervisor.stop': { target: 'stopped', actions: 'clearError' },
      },
    },
    starting: {
      tags: 'starting',
      initial: 'preparing',
      on: { 'supervisor.stop': { target: 'stopped', actions: 'freshStart' } },
      states: {
        preparing: {
          // unusable or unsafe log and state directories end here, before anything is spawned
          invoke: { id: 'prepareDirectories', src: 'prepareDirectories', onDone: 'reapingOrphans', onError: { target: '#backendLifecycle.error', actions: 'recordFinalError' } },
        },
        reapingOrphans: {
          invoke: { id: 'reapOrphans', src: 'reapOrphans', onDone: 'allocatingPort', onError: { target: '#backendLifecycle.error', actions: 'recordFinalError' } },
        },
        allocatingPort: {
          invoke: {
            id: 'allocatePort',
            src: 'allocatePort',
            onDone: { target: '#backendLifecycle.launched', actions: assign({ port: ({ event }) => event.output }) },
            onError: {
              target: '#backendLifecycle.error',
              actions: assign({ error: ({ event }) => ({ ...toFailure(event.error, 'PORT_UNAVAILABLE'), retryable: false }) }),
            },
          },
        },
      },
    },
    launched: {
      // The process actor lives exactly as long as this state: leaving it can never leak the backend.
      invoke: {
        id: 'runBackend',
        src: 'runBackend',
        input: ({ context }) => ({ port: context.port }),
        // a defect in the process actor: whatever it spawned is reaped, and the cause becomes the status
        onError: { target: '#backendLifecycle.confirming', actions: ['planFailure', 'recordFinalError'] },
      },
      initial: 'spawning',
      on: {
        'supervisor.stop': { target: '.terminating', actions: 'planStop' },
        'supervisor.restart': { target: '.terminating', actions: 'planRestart' },
        // only reachable after a stop during spawning: remember whom to reap, or that nobody was born
        'process.spawned': { actions: 'recordSpawn' },
        'process.spawnFailed': { target: '#backendLifecycle.confirming' },
      },
      states: {
        spawning: {
          tags: 'starting',
          on: {
            'process.spawned': { target: 'waitingForHealth', actions: 'recordSpawn' },
            'process.spawnFailed': {
              target: '#backendLifecycle.error',
              actions: assign({ error: ({ event }) => ({ ...event.error, retryable: false }) }),
            },
          },
        },
        waitingForHealth: {
          tags: 'starting',
          invoke: {
            id: 'waitForHealth',
            src: 'waitForHealth',
            input: ({ context }) => ({ port: context.port, pid: context.pid, instanceId: context.instanceId, logFile: context.logFile }),
            onDone: 'running',
            onError: {
              target: 'terminating',
              actions: ['planRecovery', assign({ error: ({ event }) => toFailure(event.error, 'HEALTH_TIMEOUT') })],
            },
          },
          on: {
            'process.exited': {
              target: '#backendLifecycle.confirming',
              actions: ['planRecovery', assign({ pid: undefined, error: ({ context, event }) => startupExitFailure(event, context.port) })],
            },
            'process.failed': { target: 'terminating', actions: ['planFailure', 'recordFinalError'] },
          },
        },
        running: {
          tags: 'running',
          entry: 'clearError',
          invoke: {
            id: 'monitorHealth',
            src: 'monitorHealth',
            input: ({ context }) => ({ port: context.port, pid: context.pid, instanceId: context.instanceId, logFile: context.logFile }),
            onError: { target: 'terminating', actions: ['planRecovery', assign({ error: ({ event }) => toFailure(event.error, 'UNHEALTHY') })] },
          },
          after: { stableRun: { actions: 'resetRestarts' } },
          on: {
            'health.failed': { target: 'terminating', actions: ['planRecovery', assign({ error: ({ event }) => event.error })] },
            'process.failed': { target: 'terminating', actions: ['planFailure', 'recordFinalError'] },
            'process.exited': {
              target: '#backendLifecycle.confirming',
              actions: [
                'planRecovery',
                assign({
                  pid: undefined,
                  error: ({ context, event }) => {
                    const failure = runningExitFailure(event, context.port);
                    const refused = event.exitCode !== null && context.restart.noRestartExitCodes.includes(event.exitCode);
                    return refused ? { ...failure, retryable: false } : failure;
                  },
                }),
              ],
            },
          },
        },
        terminating: {
          tags: 'stopping',
          entry: 'signalTerm',
          after: { killGrace: 'killing' },
          on: {
            'supervisor.stop': { actions: 'planStop' },
            'supervisor.restart': { actions: 'planRestart' },
            'supervisor.start': { actions: 'planRestart' },
            'process.exited': { target: '#backendLifecycle.confirming', actions: assign({ pid: undefined }) },
          },
        },
        killing: {
          tags: 'stopping',
          entry: 'signalKill',
          on: {
            'supervisor.stop': { actions: 'planStop' },
            'supervisor.restart': { actions: 'planRestart' },
            'supervisor.start': { actions: 'planRestart' },
            'process.exited': { target: '#backendLifecycle.confirming', actions: assign({ pid: undefined }) },
          },
        },
      },
    },
    confirming: {
      // The leader is gone; its group (grandchildren) must be gone and the port free before anything else.
      tags: 'stopping',
      invoke: {
        id: 'reapGroup',
        src: 'reapGroup',
        input: ({ context }) => ({ pgid: context.pgid, instanceId: context.instanceId, port: context.port, graceMs: context.graceMs }),
        onDone: [
          { guard: 'wantsRestart', target: 'starting', actions: 'freshStart' },
          { guard: 'wantsRecovery', target: 'recovering' },
          { guard: 'wantsFailure', target: 'error' },
          { target: 'stopped', actions: 'freshStart' },
        ],
        onError: { target: 'error', actions: assign({ error: ({ event }) => toFailure(event.error, 'STOP_FAILED') }) },
      },
      on: {
        'supervisor.stop': { actions: 'planStop' },
        'supervisor.restart': { actions: 'planRestart' },
        'supervisor.start': { actions: 'planRestart' },
      },
    },
    recovering: {
      tags: 'starting',
      always: [
        { guard: 'canRecover', target: 'backoff', actions: 'countRestart' },
        { target: 'error', actions: 'giveUp' },
      ],
    },
    backoff: {
      tags: 'starting',
      after: { restartDelay: 'starting' },
      on: {
        'supervisor.stop': { target: 'stopped', actions: 'freshStart' },
        'supervisor.restart': { target: 'starting', actions: 'freshStart' },
        'supervisor.start': { target: 'starting', actions: 'freshStart' },
      },
    },
  },
});

/** The type of {@link backendLifecycleMachine}, for `provide` and inspection. */
export type BackendLifecycleMachine = typeof backendLifecycleMachine;
