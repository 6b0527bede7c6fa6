import { randomBytes } from 'node:crypto';
import { type Actor, createActor } from 'xstate';
import { type BackendLifecycleMachine, backendLifecycleMachine } from '../machines/backend-lifecycle.machine.js';
import type { Failure } from '../machines/failure.js';
import { restartDelayMs } from '../machines/restart-policy.js';
import { type BackendStatusInfo, deriveStatus } from '../machines/status.js';
import { createRealActors } from './actors/index.js';
import { BackendError } from './errors.js';
import { urlHost } from './http-request.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { BackendSupervisorOptions } from './options-types.js';
import { StatusFeed } from './status-feed.js';

/** A supervised backend: start, stop, restart, and its status as plain data. */
export interface BackendSupervisor {
  /** Starts the backend; resolves with the status once it is running, rejects with a `BackendError`. */
  start(): Promise<BackendStatusInfo>;
  /**
   * Stops it gracefully (SIGTERM → grace → SIGKILL of the group); safe from every state and twice.
   * Resolves once stopped, or with the running status when a later `start()`/`restart()` won.
   */
  stop(): Promise<BackendStatusInfo>;
  /** Stops and starts it again (a fresh port and instance); resolves once it runs again. */
  restart(): Promise<BackendStatusInfo>;
  getStatus(): BackendStatusInfo;
  /** The backend's port, 0 while none is assigned. */
  getPort(): number;
  /** `http://127.0.0.1:<port>` for the current port. */
  getBaseUrl(): string;
  /** The key the backend receives as BACKEND_API_KEY (send it as `X-API-Key`); undefined when auth is off. */
  getApiKey(): string | undefined;
  /** Calls `listener` with every status change; returns the unsubscribe function. */
  subscribe(listener: (status: BackendStatusInfo) => void): () => void;
  /** The XState actor, for inspection and advanced use. */
  readonly actor: Actor<BackendLifecycleMachine>;
}

function createLifecycleActor(options: ResolvedOptions, apiKey: string | false) {
  const machine = backendLifecycleMachine.provide({
    actors: createRealActors(options, apiKey),
    delays: { restartDelay: ({ context }) => restartDelayMs(context.restart, context.restarts, Math.random()) },
  });
  return createActor(machine, {
    input: { graceMs: options.shutdown.graceMs, restart: options.restart },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
}

/**
 * Creates the supervisor of one local backend process. Options are validated here: a wrong
 * option throws a `BackendError` with code `INVALID_OPTIONS` naming it.
 *
 * @example
 * import { createBackendSupervisor } from 'backend-lifecycle';
 * const backend = createBackendSupervisor({ command: 'python3', args: ['server.py'] });
 * backend.subscribe((status) => console.log(status.status, status.port));
 * await backend.start();
 * const response = await fetch(`${backend.getBaseUrl()}/api/items`, { headers: { 'X-API-Key': backend.getApiKey() ?? '' } });
 * await backend.stop();
 */
export function createBackendSupervisor(userOptions: BackendSupervisorOptions): BackendSupervisor {
  const options = resolveOptions(userOptions);
  const apiKey = options.apiKey ?? randomBytes(32).toString('base64url');
  const actor = createLifecycleActor(options, apiKey);
  const feed = new StatusFeed(() => deriveStatus(actor.getSnapshot(), new Date()));
  actor.subscribe({ next: () => feed.refresh(), error: () => feed.refresh() });
  actor.start();
  feed.refresh();

  /**
   * Waits for the outcome of a command. The status current at call time may only accept (a
   * command sent from inside a listener is queued, so that status is not its answer yet);
   * failures count only from the changes that follow.
   */
  const settle = (outcome: {
    acceptNow: (status: BackendStatusInfo) => boolean;
    accept: (status: BackendStatusInfo) => boolean;
    reject: (status: BackendStatusInfo) => BackendError | undefined;
  }) =>
    new Promise<BackendStatusInfo>((resolve, fail) => {
      if (outcome.acceptNow(feed.current)) return resolve(feed.current);
      const unsubscribe = feed.subscribe((status) => {
        if (outcome.accept(status)) {
          unsubscribe();
          return resolve(status);
        }
        const error = outcome.reject(status);
        if (!error) return;
        unsubscribe();
        fail(error);
      });
    });

  const failureOf = (fallback: Failure) => new BackendError(actor.getSnapshot().context.error ?? fallback);
  const untilRunning = () =>
    settle({
      acceptNow: (status) => status.status === 'running',
      accept: (status) => status.status === 'running',
      reject: (status) => {
        if (status.status === 'error') return failureOf({ code: 'RESTART_LIMIT', message: 'Backend server could not be started' });
        if (status.status === 'stopped') return new BackendError({ code: 'STOPPED', message: 'Backend start was cancelled: stop() was called before it was running' });
        return undefined;
      },
    });

  return {
    start() {
      actor.send({ type: 'supervisor.start' });
      return untilRunning();
    },
    stop() {
      actor.send({ type: 'supervisor.stop' });
      return settle({
        acceptNow: (status) => status.status === 'stopped',
        accept: (status) => status.status === 'stopped' || status.status === 'running',
        reject: (status) => (status.status === 'error' ? failureOf({ code: 'STOP_FAILED', message: 'Backend server could not be stopped' }) : undefined),
      });
    },
    restart() {
      actor.send({ type: 'supervisor.restart' });
      // a restart always passes through stopping/starting, so the running status it finds now is the old one
      return settle({ acceptNow: () => false, accept: (status) => status.status === 'running', reject: (status) => (status.status === 'error' ? failureOf({ code: 'RESTART_LIMIT', message: 'Backend server could not be restarted' }) : undefined) });
    },
    getStatus: () => feed.current,
    getPort: () => feed.current.port,
    getBaseUrl: () => `http://${urlHost(options.host)}:${feed.current.port}`,
    getApiKey: () => (apiKey === false ? undefined : apiKey),
    subscribe: (listener) => feed.subscribe(listener),
    actor,
  };
}
