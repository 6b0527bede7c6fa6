import { assign, type EventObject, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import type { HealthInput, LifecycleEvent, ProcessControlEvent, ReapGroupInput, RunBackendInput } from './events.js';
import { crashSignature, type Failure, repeatedStartupCrashFailure, restartLimitFailure, startupExitFailure, toFailure } from './failure.js';
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
  /** What the backend last said about its start-up (`STATUS=`), shown while it starts. */
  detail: string | undefined;
  /** The last start-up crash and how many launches in a row ended exactly like it. */
  startupCrash: { signature: string; count: number } | undefined;
}

/** The status tags: exactly one per state, the carrier of `BackendStatus`. */
export type LifecycleTag = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

function notProvided(name: string): never {
  throw new Error(`The "${name}" actor is not provided: use createBackendSupervisor() or machine.provide({ actors })`);
}

/**
 * The lifecycle machine's vocabulary: its types, the actors it invokes (provided by the
 * supervisor), its delays, guards and actions. The chart itself is in backend-lifecycle.machine.ts.
 */
export const lifecycleSetup = setup({
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
    freshStart: assign({ restarts: 0, error: undefined, afterStop: 'stopped' as AfterStop, startupCrash: undefined }),
    forgetProcess: assign({ port: 0, pid: undefined, pgid: undefined, instanceId: undefined, detail: undefined }),
    recordProgress: assign({ detail: ({ event }) => (event.type === 'process.progress' ? event.detail : undefined) }),
    forgetProgress: assign({ detail: undefined }),
    // the supervisor's: a handoff socket is held across restarts and closed once nothing will launch again
    releaseListeningSocket: () => {},
    recordSpawn: assign({
      pid: ({ event }) => (event.type === 'process.spawned' ? event.pid : undefined),
      // detached children lead their own group, so the group id is the pid
      pgid: ({ event }) => (event.type === 'process.spawned' ? event.pid : undefined),
      instanceId: ({ event }) => (event.type === 'process.spawned' ? event.instanceId : undefined),
      logFile: ({ context, event }) => (event.type === 'process.spawned' ? event.logFile : context.logFile),
      // a new launch starts without what the last one said
      detail: undefined,
    }),
    clearError: assign({ error: undefined }),
    // a launch that crashed before it was healthy; the same crash again is a configuration error
    recordStartupCrash: assign(({ context, event }) => {
      if (event.type !== 'process.exited') return {};
      const signature = crashSignature(event);
      const count = context.startupCrash?.signature === signature ? context.startupCrash.count + 1 : 1;
      const failure = startupExitFailure(event, context.port);
      const limit = context.restart.identicalStartupCrashes;
      // a port taken meanwhile is worth another port, however often it happens
      const final = limit > 0 && count >= limit && failure.code === 'CRASHED_DURING_STARTUP';
      // an exit code the app declared final (EX_CONFIG, say) is most often given at start-up
      const refused = event.exitCode !== null && context.restart.noRestartExitCodes.includes(event.exitCode);
      const error = final ? repeatedStartupCrashFailure(event, context.port, count) : refused ? { ...failure, retryable: false } : failure;
      return { pid: undefined, startupCrash: { signature, count }, error };
    }),
    // a launch that got further (healthy, or timed out alive) breaks a row of identical crashes
    forgetStartupCrash: assign({ startupCrash: undefined }),
    planStop: assign({ afterStop: 'stopped' as AfterStop }),
    planRestart: assign({ afterStop: 'restart' as AfterStop }),
    planRecovery: assign({ afterStop: 'recover' as AfterStop }),
    planFailure: assign({ afterStop: 'fail' as AfterStop }),
    countRestart: assign({ restarts: ({ context }) => context.restarts + 1 }),
    resetRestarts: assign({ restarts: 0, startupCrash: undefined }),
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
});
