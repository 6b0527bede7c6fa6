import { type Actor, createActor, fromCallback } from 'xstate';
import { backendSystemMachine, type ServiceCommandEvent, type SystemEvent } from '../machines/backend-system.machine.js';
import type { BackendErrorCode } from '../machines/failure.js';
import type { BackendStatus, BackendStatusInfo } from '../machines/status.js';
import { commandOutcome, type SystemCommandOutcome, type SystemCommandRecord, systemStatus } from '../machines/system-outcomes.js';
import { withDependents } from '../machines/system-plan.js';
import { recordSystemTimeline, type SystemTimeline } from './diagnose/system-timeline.js';
import { BackendError, invalidOption } from './errors.js';
import { resolveOptions } from './options/options.js';
import type { BackendSupervisorOptions } from './options/options-types.js';
import type { BackendReport } from './report/report.js';
import { type BackendSupervisor, notifyEach, superviseResolved, withControls } from './supervisor.js';
import { type BackendServiceOptions, fixedPortsOf, validateServices, variablePrefix, withinService } from './options/system-options.js';

export type { BackendServiceOptions } from './options/system-options.js';

/** Options of {@link createBackendSystem}. */
export interface BackendSystemOptions {
  services: Readonly<Record<string, BackendServiceOptions>>;
  /** Observes the system actor and every service's lifecycle actor (e.g. the Stately inspector). */
  inspect?: BackendSupervisorOptions['inspect'];
}

/** The status of a system: one status per service, and the whole. */
export interface BackendSystemStatus {
  /** `running` once every wanted service runs; `error` while a service gave up; `stopping` while it winds down. */
  status: BackendStatus;
  services: Record<string, BackendStatusInfo>;
}

/** A system's report: every service's own report (secrets redacted), and the start-up timeline. */
export interface BackendSystemReport {
  format: 'backend-lifecycle-system-report/1';
  createdAt: string;
  status: BackendStatus;
  timeline: SystemTimeline;
  services: Record<string, BackendReport>;
}

/**
 * Several supervised backends as one: started in dependency order, stopped in reverse. Every
 * command's promise settles once, with the outcome of that command; a command given with a
 * service name is about that service (and what it needs, or what needs it, by its policies).
 */
export interface BackendSystem {
  /**
   * Starts every service (or `name` and what it needs), each once its dependencies run; a service
   * that gave up is tried again. Resolves once they all run; rejects with the first failure, or
   * with `STOPPED` when a later `stop()` takes one of them out first.
   */
  start(name?: string): Promise<BackendSystemStatus>;
  /**
   * Stops every service (or `name` and what needs it), dependents first; resolves once they are
   * down. A service that gave up ends `stopped` too (its error cleared, as `supervisor.stop()` does).
   */
  stop(name?: string): Promise<BackendSystemStatus>;
  /** Restarts the whole system (down in reverse, up in order), or one service (its dependents follow their policy). */
  restart(name?: string): Promise<BackendSystemStatus>;
  getStatus(): BackendSystemStatus;
  subscribe(listener: (status: BackendSystemStatus) => void): () => void;
  /** The supervisor of one service (its port, key, status, log); its start/stop/restart go through the system. */
  service(name: string): BackendSupervisor;
  /**
   * The last start-up: each service's wait on its dependencies, its own start-up and launch steps,
   * and the critical chain (print it with `formatCriticalChain`).
   */
  timeline(): SystemTimeline;
  /** One report per service (see `BackendSupervisor.report`), with the system's timeline. */
  report(): Promise<BackendSystemReport>;
  /** The services in start order. */
  readonly names: readonly string[];
  /** The system's XState actor, for inspection. */
  readonly actor: Actor<typeof backendSystemMachine>;
}

interface Waiting {
  record: SystemCommandRecord;
  resolve(status: BackendSystemStatus): void;
  reject(error: BackendError): void;
}

/**
 * Creates a system of backends: one supervisor per service, started in dependency order (each
 * once everything it depends on is running and healthy), stopped in reverse order. Each service
 * learns the port and key of what it depends on: `BACKEND_<NAME>_PORT`, `BACKEND_<NAME>_URL` and
 * `BACKEND_<NAME>_API_KEY` in its environment. Ports are planned for the whole system: no range
 * hands out another service's fixed port. Unknown dependencies, cycles, two services on one fixed
 * port and names too long for their files are refused here with `INVALID_OPTIONS`.
 *
 * @example
 * const system = createBackendSystem({
 *   services: {
 *     store: { command: 'python3', args: ['store.py'] },
 *     api: { command: 'python3', args: ['server.py'], dependsOn: ['store'] },
 *   },
 * });
 * await system.start();        // store first, then api with BACKEND_STORE_PORT set
 * await system.restart('store'); // api follows its policy: down while store restarts, then up again
 */
export function createBackendSystem(options: BackendSystemOptions): BackendSystem {
  const specs = validateServices(options?.services);
  const excludedPorts = fixedPortsOf(options.services);
  const supervisors = new Map<string, BackendSupervisor>();
  for (const [name, service] of Object.entries(options.services)) {
    const { dependsOn: _dependsOn, onDependencyFailure: _policy, ...supervisorOptions } = service;
    const resolved = withinService(name, () => resolveOptions({ name, ...supervisorOptions, ...(options.inspect && !service.inspect ? { inspect: options.inspect } : {}) }));
    const linkedEnv = () => {
      const env: Record<string, string> = {};
      for (const dependency of specs[name]?.dependsOn ?? []) {
        const other = supervisors.get(dependency);
        if (!other) continue;
        const prefix = variablePrefix(dependency);
        env[`${prefix}_PORT`] = String(other.getPort());
        const url = other.getBaseUrl();
        if (url) env[`${prefix}_URL`] = url;
        const key = other.getApiKey();
        if (key) env[`${prefix}_API_KEY`] = key;
      }
      return env;
    };
    supervisors.set(name, superviseResolved({ ...resolved, linkedEnv, excludedPorts }));
  }
  const supervisorOf = (name: string) => supervisors.get(name) as BackendSupervisor;

  // the system statechart's child drives every supervisor and reports their statuses
  const services = fromCallback<ServiceCommandEvent, { names: readonly string[] }>(({ input, sendBack, receive }) => {
    const offs = input.names.map((name) => {
      const supervisor = supervisorOf(name);
      // a microtask later: every other listener of this status (a CLI printing it, a window) hears
      // "db is running" before the system reacts to it by starting what depends on db
      const report = (status: BackendStatusInfo) =>
        queueMicrotask(() => {
          // replaced since (a command or an exit in the same tick): not news, and not the answer to a command sent
          // after it (a stop sent as the service gave up would be answered by that 'error'); the newer one follows
          if (status.sequence === supervisor.getStatus().sequence) sendBack({ type: 'service.status', name, status: status.status });
        });
      report(supervisor.getStatus());
      return supervisor.subscribe(report);
    });
    receive(({ name, command }) => {
      // outcomes reach the system through the statuses; a rejection here is already one of them
      supervisorOf(name)[command]().catch(() => {});
    });
    return () => {
      for (const off of offs) off();
    };
  });
  const actor = createActor(backendSystemMachine.provide({ actors: { services } }), {
    input: { services: specs },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const names = actor.getSnapshot().context.order;
  const planState = () => {
    const snapshot = actor.getSnapshot();
    return { ...snapshot.context, phase: String(snapshot.value) };
  };
  const status = (): BackendSystemStatus => ({
    status: systemStatus(planState()),
    services: Object.fromEntries(names.map((name) => [name, supervisorOf(name).getStatus()])),
  });

  const waiting = new Set<Waiting>();
  const settle = (entry: Waiting, outcome: NonNullable<SystemCommandOutcome>) => {
    waiting.delete(entry);
    const current = status();
    if (outcome.kind === 'done') {
      const failedStop = entry.record.command === 'stop' ? stopFailure(current, entry.record) : undefined;
      return failedStop ? entry.reject(failedStop) : entry.resolve(current);
    }
    entry.reject(outcome.kind === 'failed' ? serviceFailure(current, outcome.service) : cancelled(entry.record, outcome.service, outcome.byPolicy));
  };
  const stopFailure = (current: BackendSystemStatus, record: SystemCommandRecord) => {
    const scope = record.name === undefined ? names : withDependents(actor.getSnapshot().context, record.name);
    const failed = scope.find((name) => current.services[name]?.error?.code === 'STOP_FAILED');
    return failed === undefined ? undefined : serviceFailure(current, failed);
  };
  const answer = () => {
    const state = planState();
    for (const entry of [...waiting]) {
      // a command sent from a listener is queued behind the event being handled: not taken yet
      if (entry.record.epoch > state.epoch) continue;
      const outcome = commandOutcome(state, entry.record);
      if (outcome) settle(entry, outcome);
    }
  };

  const listeners = new Set<(status: BackendSystemStatus) => void>();
  let last = '';
  const publish = () => {
    const current = status();
    const key = JSON.stringify([current.status, Object.values(current.services).map((one) => one.sequence)]);
    if (key === last) return;
    last = key;
    notifyEach(listeners, current);
  };
  actor.subscribe(() => {
    answer();
    publish();
  });
  for (const supervisor of supervisors.values()) supervisor.subscribe(publish);
  actor.start();
  // after the system's own listeners: a service's start is timed once the system's start is seen
  const timeline = recordSystemTimeline({
    names,
    dependsOn: (name) => specs[name]?.dependsOn ?? [],
    subscribeService: (name, listener) => supervisors.get(name)?.subscribe(listener),
    subscribeSystem: (listener) => listeners.add((current) => listener(current.status, current.services)),
    launches: (name) => supervisors.get(name)?.timelines() ?? [],
  });

  // every command opens one epoch of the machine, in the order sent (also when the actor queues it)
  let sent = 0;
  const command = (type: SystemCommandRecord['command'], name: string | undefined): Promise<BackendSystemStatus> => {
    if (name !== undefined && !supervisors.has(name)) return Promise.reject(invalidOption('name', `one of ${names.join(', ')}`, name));
    sent++;
    const record: SystemCommandRecord = { command: type, name, epoch: sent };
    const promise = new Promise<BackendSystemStatus>((resolve, reject) => waiting.add({ record, resolve, reject }));
    actor.send((name === undefined ? { type: `system.${type}` } : { type: `service.${type}`, name }) as SystemEvent);
    // the command may have settled the matter at once (a start of a running system)
    answer();
    return promise;
  };
  const routed = new Map<string, BackendSupervisor>();
  for (const [name, supervisor] of supervisors) {
    // the service's status as the command settled, not as a later command (sent before the promise's callbacks run) left it
    const statusOf = (settledWith: BackendSystemStatus) => settledWith.services[name] ?? supervisor.getStatus();
    routed.set(
      name,
      withControls(supervisor, {
        start: () => command('start', name).then(statusOf),
        stop: () => command('stop', name).then(statusOf),
        restart: () => command('restart', name).then(statusOf),
      }),
    );
  }

  return {
    start: (name) => command('start', name),
    stop: (name) => command('stop', name),
    restart: (name) => command('restart', name),
    getStatus: status,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    service(name) {
      const supervisor = routed.get(name);
      if (!supervisor) throw invalidOption('name', `one of ${names.join(', ')}`, name);
      return supervisor;
    },
    timeline,
    async report() {
      const reports = await Promise.all(names.map(async (name) => [name, await (supervisors.get(name) as BackendSupervisor).report()] as const));
      return { format: 'backend-lifecycle-system-report/1', createdAt: new Date().toISOString(), status: status().status, timeline: timeline(), services: Object.fromEntries(reports) };
    },
    names,
    actor,
  };
}

/** The error of a service that gave up, as its promise's rejection: it names the service. */
function serviceFailure(current: BackendSystemStatus, name: string): BackendError {
  const error = current.services[name]?.error;
  const code = (error?.code ?? 'EXITED_UNEXPECTEDLY') as BackendErrorCode;
  return new BackendError({ code, message: `Service "${name}": ${error?.message ?? 'it could not be kept running'}`, details: { service: name } });
}

function cancelled(record: SystemCommandRecord, service: string, byPolicy: boolean): BackendError {
  const what = record.name === undefined ? 'The system' : `Service "${record.name}"`;
  const message = byPolicy
    ? `Service "${service}" was stopped by its policy (onDependencyFailure "stop") when a service it depends on stopped running`
    : `${what} was stopped before it was running`;
  return new BackendError({ code: 'STOPPED', message, details: { service }, retryable: false });
}
