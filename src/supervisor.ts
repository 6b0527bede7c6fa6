import { randomBytes } from 'node:crypto';
import { type Actor, createActor } from 'xstate';
import { type BackendLifecycleMachine, backendLifecycleMachine } from '../machines/backend-lifecycle.machine.js';
import { type Failure, toFailure } from '../machines/failure.js';
import { restartDelayMs } from '../machines/restart-policy.js';
import { type BackendStatusError, type BackendStatusInfo, deriveStatus } from '../machines/status.js';
import { createLazyActors } from './actors/lazy.js';
import { type Command, CommandOutcomes } from './supervisor/command-outcomes.js';
import { Diagnostics } from './diagnose/diagnostics.js';
import type { LaunchTimeline } from './diagnose/launch-timeline.js';
import { BackendError } from './errors.js';
import { urlHost } from './net/http-client.js';
import { type ResolvedOptions, resolveOptions } from './options/options.js';
import type { BackendSupervisorOptions } from './options/options-types.js';
import { secretsOf, secretValues } from './options/secrets.js';
import type { BackendReport } from './report/report.js';
import { StatusFeed } from './supervisor/status-feed.js';

// the system notifies its listeners by the same rule as a supervisor's feed (system.ts sees only supervisor.ts of this room)
export { notifyEach } from './supervisor/status-feed.js';

/** A supervised backend: start, stop, restart, and its status as plain data. */
export interface BackendSupervisor {
  /**
   * Starts the backend; resolves with the status once it is running, rejects with a `BackendError`
   * (`STOPPED` when a `stop()` ends it first).
   */
  start(): Promise<BackendStatusInfo>;
  /**
   * Stops it gracefully (SIGTERM → grace → SIGKILL of the group); safe from every state and twice.
   * Resolves once stopped; when a later `start()`/`restart()` takes over, once the old backend is
   * gone. Rejects only when the stop itself failed (`STOP_FAILED`).
   */
  stop(): Promise<BackendStatusInfo>;
  /** Stops and starts it again (a fresh instance, the same port when free); resolves once it runs again. */
  restart(): Promise<BackendStatusInfo>;
  getStatus(): BackendStatusInfo;
  /** The backend's port, 0 while none is assigned. */
  getPort(): number;
  /**
   * `http://127.0.0.1:<port>` for the current port; undefined while none is assigned (before the
   * first start, after a stop), so that nothing calls a URL with port 0.
   *
   * @example
   * const url = backend.getBaseUrl();
   * if (url) await fetch(`${url}/api/health`);
   */
  getBaseUrl(): string | undefined;
  /** The key the backend receives as BACKEND_API_KEY (send it as `X-API-Key`); undefined when auth is off. */
  getApiKey(): string | undefined;
  /** Calls `listener` with every status change; returns the unsubscribe function. */
  subscribe(listener: (status: BackendStatusInfo) => void): () => void;
  /**
   * How the recent launches spent their time (prepare, reap, port, spawn, first progress line,
   * healthy, running), oldest first.
   */
  timelines(): LaunchTimeline[];
  /**
   * A report to attach to a bug: versions, platform, options, the last 200 status changes and
   * transitions, the launches' timelines, the log's last lines and the hint; every secret (the API
   * key, secret-named environment values) redacted. Write it with `JSON.stringify`.
   * @example
   * await writeFile('backend-report.json', JSON.stringify(await supervisor.report(), null, 2));
   */
  report(): Promise<BackendReport>;
  /** The XState actor, for inspection and advanced use. */
  readonly actor: Actor<BackendLifecycleMachine>;
}

// what the Electron proxy must never forward for a page: the supervisor's own stop request
const stopRequestPaths = new WeakMap<BackendSupervisor, string>();

/** The path of `supervisor`'s own stop request (`shutdown.request.path`), if it has one. */
export function stopRequestPathOf(supervisor: BackendSupervisor): string | undefined {
  return stopRequestPaths.get(supervisor);
}

/**
 * `supervisor` with its start/stop/restart replaced (a system's service: they go through the
 * system); the copy keeps what the supervisor is known by, its stop request included, so that
 * the Electron proxy refuses that path for the copy as for the original.
 *
 * @example
 * const routed = withControls(supervisor, { start: () => system.start('api').then(() => supervisor.getStatus()), stop, restart });
 */
export function withControls(supervisor: BackendSupervisor, controls: Pick<BackendSupervisor, 'start' | 'stop' | 'restart'>): BackendSupervisor {
  const copy: BackendSupervisor = { ...supervisor, ...controls };
  const path = stopRequestPaths.get(supervisor);
  if (path !== undefined) stopRequestPaths.set(copy, path);
  return copy;
}

// each supervisor's statuses carry a number larger than any earlier supervisor's in this process
let lastSupervisorId = 0;
/** A number larger than every one given before in this process (a supervisor's, an Electron attachment's). */
export const nextSupervisorId = () => {
  lastSupervisorId = Math.max(Date.now(), lastSupervisorId + 1);
  return lastSupervisorId;
};

const redactText = (text: string, secrets: readonly string[]) => secrets.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);

/** A failure whose messages hold no secret (what start() and stop() reject with). */
function redactFailure(failure: Failure, secrets: readonly string[]): Failure {
  // a detail can quote the outside world too (execa's message of a failed spawn names the command line)
  const details = failure.details && Object.fromEntries(Object.entries(failure.details).map(([name, value]) => [name, typeof value === 'string' ? redactText(value, secrets) : value]));
  return {
    ...failure,
    ...(details ? { details } : {}),
    message: redactText(failure.message, secrets),
    ...(failure.hint !== undefined ? { hint: redactText(failure.hint, secrets) } : {}),
    ...(failure.cause ? { cause: redactFailure(failure.cause, secrets) } : {}),
  };
}

/** The status texts with every secret replaced: nothing a window, dialog or log tail shows may hold the key. */
function redactStatus(status: BackendStatusInfo, secrets: readonly string[]): BackendStatusInfo {
  const clean = (text: string) => redactText(text, secrets);
  const cleanError = (error: BackendStatusError): BackendStatusError => ({
    ...error,
    message: clean(error.message),
    ...(error.hint !== undefined ? { hint: clean(error.hint) } : {}),
    ...(error.cause ? { cause: cleanError(error.cause) } : {}),
  });
  return {
    ...status,
    ...(status.detail !== undefined ? { detail: clean(status.detail) } : {}),
    ...(status.error !== undefined ? { error: cleanError(status.error) } : {}),
  };
}

function createLifecycleActor(options: ResolvedOptions, apiKey: string | false) {
  const { actors, releaseSocket } = createLazyActors(options, apiKey);
  const machine = backendLifecycleMachine.provide({
    actors,
    actions: { releaseListeningSocket: releaseSocket },
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
  return superviseResolved(resolveOptions(userOptions));
}

/** The supervisor of options already validated (a system adds what its services learn of each other). */
export function superviseResolved(options: ResolvedOptions): BackendSupervisor {
  const apiKey = options.apiKey ?? randomBytes(32).toString('base64url');
  const actor = createLifecycleActor(options, apiKey);
  // the process's secret variables are read once per launch (a launch inherits them at its spawn;
  // the statuses before it carry no text of the backend's): reading every variable for each status
  // was 5–6% of the main thread of 50 starts at once. What a system links is asked each time.
  // An error is read afresh: one before the spawn (SPAWN_FAILED names the command line) would
  // otherwise be cleaned with the last launch's read, older than what the app set since.
  let processSecrets: { instanceId: string | undefined; error: Failure | undefined; values: string[] } | undefined;
  const secrets = () => {
    const { instanceId, error } = actor.getSnapshot().context;
    // read again for a new launch or a new error, not for every status while an error stays in context (a backoff)
    if (processSecrets === undefined || processSecrets.error !== error || (instanceId !== undefined && processSecrets.instanceId !== instanceId)) {
      processSecrets = { instanceId, error, values: secretValues(process.env) };
    }
    return secretsOf(options, apiKey, processSecrets.values);
  };
  const outcomes = new CommandOutcomes((fallback) => {
    const failure = actor.getSnapshot().context.error;
    const hint = feed.current.error?.hint;
    return new BackendError(redactFailure(failure ? { ...failure, ...(hint ? { hint } : {}) } : { code: 'STOP_FAILED', message: fallback }, secrets()));
  });
  const supervisorId = nextSupervisorId();
  // new evidence arrives asynchronously, long after the feed below exists
  const diagnostics = new Diagnostics(actor, options, () => feed.refresh());
  const feed = new StatusFeed((sequence) => ({ ...redactStatus(diagnostics.decorate(deriveStatus(actor.getSnapshot(), new Date(), sequence)), secrets()), supervisor: supervisorId }));
  diagnostics.record(feed.current);
  feed.subscribe((status) => diagnostics.record(status));
  actor.subscribe({
    next: () => {
      diagnostics.observe();
      feed.refresh();
    },
    error: (error) => {
      feed.refresh();
      // every invoke handles its errors; this is a defect, and no command may wait for ever because of it
      outcomes.abort(new BackendError(toFailure(error, 'STOP_FAILED')));
    },
  });
  actor.start();
  feed.refresh();

  feed.subscribe((status) => outcomes.update(status));
  const command = (name: Command) => {
    actor.send({ type: `supervisor.${name}` });
    return outcomes.wait(name, feed.current);
  };

  const supervisor: BackendSupervisor = {
    start: () => command('start'),
    stop: () => command('stop'),
    restart: () => command('restart'),
    getStatus: () => feed.current,
    getPort: () => feed.current.port,
    getBaseUrl: () => (feed.current.port ? `http://${urlHost(options.host)}:${feed.current.port}` : undefined),
    getApiKey: () => (apiKey === false ? undefined : apiKey),
    subscribe: (listener) => feed.subscribe(listener),
    timelines: () => diagnostics.timelines.list(),
    report: async () => {
      const { buildReport } = await import('./report/report.js');
      return buildReport({
        options,
        apiKey,
        status: feed.current,
        statusChanges: diagnostics.statusChanges.list(),
        transitions: diagnostics.transitions.list(),
        timelines: diagnostics.timelines.list(),
        logFile: actor.getSnapshot().context.logFile,
      });
    },
    actor,
  };
  if (options.shutdown.request) stopRequestPaths.set(supervisor, options.shutdown.request.path);
  return supervisor;
}
