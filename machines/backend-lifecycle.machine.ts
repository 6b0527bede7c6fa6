import { assign } from 'xstate';
import { runningExitFailure, toFailure } from './failure.js';
import { lifecycleSetup } from './lifecycle-setup.js';

export type { AfterStop, LifecycleContext, LifecycleInput, LifecycleTag } from './lifecycle-setup.js';

/**
 * The backend's whole lifecycle as a pure XState v5 statechart: no I/O, every effect is an
 * actor supplied through `provide({ actors })` (see `createBackendSupervisor`).
 *
 * @example
 * import { createActor } from 'xstate';
 * import { backendLifecycleMachine } from 'backend-lifecycle';
 * const actor = createActor(backendLifecycleMachine.provide({ actors: myActors }), { input });
 */
export const backendLifecycleMachine = lifecycleSetup.createMachine({
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
    detail: undefined,
    startupCrash: undefined,
  }),
  states: {
    stopped: {
      tags: 'stopped',
      entry: ['forgetProcess', 'releaseListeningSocket'],
      on: {
        'supervisor.start': { target: 'starting', actions: 'freshStart' },
        'supervisor.restart': { target: 'starting', actions: 'freshStart' },
      },
    },
    error: {
      tags: 'error',
      entry: ['forgetProcess', 'releaseListeningSocket'],
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
          // progress text describes this launch only: a crash or a restart must not carry it into the backoff
          exit: 'forgetProgress',
          invoke: {
            id: 'waitForHealth',
            src: 'waitForHealth',
            input: ({ context }) => ({ port: context.port, pid: context.pid, instanceId: context.instanceId, logFile: context.logFile }),
            onDone: 'running',
            onError: {
              target: 'terminating',
              actions: ['planRecovery', 'forgetStartupCrash', assign({ error: ({ event }) => toFailure(event.error, 'HEALTH_TIMEOUT') })],
            },
          },
          on: {
            'process.exited': {
              target: '#backendLifecycle.confirming',
              actions: ['planRecovery', 'recordStartupCrash'],
            },
            'process.failed': { target: 'terminating', actions: ['planFailure', 'recordFinalError'] },
            'process.progress': { actions: 'recordProgress' },
          },
        },
        running: {
          tags: 'running',
          entry: ['clearError', 'forgetStartupCrash'],
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
