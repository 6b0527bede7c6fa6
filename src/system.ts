import { type Actor, createActor, fromCallback } from 'xstate';
import { backendSystemMachine, type ServiceCommandEvent } from '../machines/backend-system.machine.js';
import type { BackendErrorCode } from '../machines/failure.js';
import type { BackendStatus, BackendStatusInfo } from '../machines/status.js';
import { type DependencyPolicy, type SystemServiceSpec, startOrder } from '../machines/system-graph.js';
import { recordSystemTimeline, type SystemTimeline } from './diagnose/system-timeline.js';
import { BackendError, invalidOption } from './errors.js';
import { isFileSafeName, resolveOptions } from './options.js';
import type { BackendSupervisorOptions } from './options-types.js';
import type { BackendReport } from './report/report.js';
import { type BackendSupervisor, superviseResolved } from './supervisor.js';

/** One service of a system: a supervisor's options, plus what it needs. */
export interface BackendServiceOptions extends BackendSupervisorOptions {
  /** Services that must be running before this one starts. */
  dependsOn?: readonly string[];
  /** What happens to this service when a dependency stops running (default `restart`, see `SystemServiceSpec`). */
  onDependencyFailure?: DependencyPolicy;
}

/** Options of {@link createBackendSystem}. */
export interface BackendSystemOptions {
  services: Readonly<Record<string, BackendServiceOptions>>;
  /** Observes the system actor and every service's lifecycle actor (e.g. the Stately inspector). */
  inspect?: BackendSupervisorOptions['inspect'];
}

/** The status of a system: one status per service, and the whole. */
export interface BackendSystemStatus {
  /** `running` once every wanted service runs; `error` when a service gave up; `stopping` while it winds down. */
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

/** Several supervised backends as one: started in dependency order, stopped in reverse. */
export interface BackendSystem {
  /** Starts every service in order; resolves once all run, rejects with the first service's failure. */
  start(): Promise<BackendSystemStatus>;
  /** Stops every service, dependents first; resolves once all are down. */
  stop(): Promise<BackendSystemStatus>;
  /** Restarts one service (its dependents follow by their policy), or the whole system. */
  restart(name?: string): Promise<BackendSystemStatus>;
  getStatus(): BackendSystemStatus;
  subscribe(listener: (status: BackendSystemStatus) => void): () => void;
  /** The supervisor of one service (its port, key, status, log). */
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

/** Runs a service's option check so that a refusal names the service: `services.api.port`. */
function withinService<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof BackendError) || error.code !== 'INVALID_OPTIONS') throw error;
    const option = String(error.details?.option ?? '');
    throw new BackendError({
      code: 'INVALID_OPTIONS',
      message: error.message.replace(`Invalid option "${option}"`, `Invalid option "services.${name}.${option}"`),
      details: { option: `services.${name}.${option}` },
      retryable: false,
    });
  }
}

const variableName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

function validate(services: Readonly<Record<string, BackendServiceOptions>>): Record<string, SystemServiceSpec> {
  if (typeof services !== 'object' || services === null || Object.keys(services).length === 0) {
    throw invalidOption('services', 'an object with at least one service', services);
  }
  const specs: Record<string, SystemServiceSpec> = {};
  const fixedPorts = new Map<number, string>();
  const variables = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    if (!isFileSafeName(name)) throw invalidOption('services', 'service names of letters, digits, ".", "_" or "-"', name);
    // as a key of a plain record it would replace the prototype instead of naming a service
    if (name === '__proto__') throw invalidOption('services', 'another name', name, '"__proto__" cannot name a service; rename it');
    const variable = `BACKEND_${variableName(name)}`;
    const sharing = variables.get(variable);
    if (sharing !== undefined) {
      throw invalidOption('services', 'names that differ in their variables', name, `services "${sharing}" and "${name}" would share the variables ${variable}_PORT, _URL and _API_KEY; rename one`);
    }
    variables.set(variable, name);
    const policy = service.onDependencyFailure ?? 'restart';
    if (!['restart', 'stop', 'ignore'].includes(policy)) throw invalidOption(`services.${name}.onDependencyFailure`, '"restart", "stop" or "ignore"', policy);
    const dependsOn = service.dependsOn ?? [];
    if (!Array.isArray(dependsOn) || dependsOn.some((dependency) => typeof dependency !== 'string')) {
      throw invalidOption(`services.${name}.dependsOn`, 'an array of service names', dependsOn);
    }
    if (new Set(dependsOn).size !== dependsOn.length) throw invalidOption(`services.${name}.dependsOn`, 'each name once', dependsOn);
    if (typeof service.port === 'number') {
      const other = fixedPorts.get(service.port);
      if (other) throw invalidOption(`services.${name}.port`, 'a port of its own', service.port, `services "${other}" and "${name}" both ask for port ${service.port}`);
      fixedPorts.set(service.port, name);
    }
    specs[name] = { dependsOn, onDependencyFailure: policy };
  }
  try {
    startOrder(specs);
  } catch (error) {
    throw invalidOption('services', 'an acyclic graph of known services', undefined, (error as Error).message);
  }
  return specs;
}

/**
 * Creates a system of backends: one supervisor per service, started in dependency order (each
 * once everything it depends on is running and healthy), stopped in reverse order. Each service
 * learns the port and key of what it depends on: `BACKEND_<NAME>_PORT`, `BACKEND_<NAME>_URL` and
 * `BACKEND_<NAME>_API_KEY` in its environment. Unknown dependencies, cycles and two services on
 * one fixed port are refused here with `INVALID_OPTIONS`.
 *
 * @example
 * const system = createBackendSystem({
 *   services: {
 *     store: { command: 'python3', args: ['store.py'] },
 *     api: { command: 'python3', args: ['server.py'], dependsOn: ['store'] },
 *   },
 * });
 * await system.start();   // store first, then api with BACKEND_STORE_PORT set
 */
export function createBackendSystem(options: BackendSystemOptions): BackendSystem {
  const specs = validate(options?.services);
  const supervisors = new Map<string, BackendSupervisor>();
  for (const [name, service] of Object.entries(options.services)) {
    const { dependsOn: _dependsOn, onDependencyFailure: _policy, ...supervisorOptions } = service;
    const resolved = withinService(name, () => resolveOptions({ name, ...supervisorOptions, ...(options.inspect && !service.inspect ? { inspect: options.inspect } : {}) }));
    const linkedEnv = () => {
      const env: Record<string, string> = {};
      for (const dependency of specs[name]?.dependsOn ?? []) {
        const other = supervisors.get(dependency);
        if (!other) continue;
        const prefix = `BACKEND_${variableName(dependency)}`;
        env[`${prefix}_PORT`] = String(other.getPort());
        env[`${prefix}_URL`] = other.getBaseUrl();
        const key = other.getApiKey();
        if (key) env[`${prefix}_API_KEY`] = key;
      }
      return env;
    };
    supervisors.set(name, superviseResolved({ ...resolved, linkedEnv }));
  }

  // each child of the system statechart drives one supervisor and reports its status
  const service = fromCallback<ServiceCommandEvent, { name: string }>(({ input, sendBack, receive }) => {
    const supervisor = supervisors.get(input.name) as BackendSupervisor;
    // a microtask later: every other listener of this status (a CLI printing it, a window) hears
    // "db is running" before the system reacts to it by starting what depends on db
    const report = (status: BackendStatusInfo) => queueMicrotask(() => sendBack({ type: 'service.status', name: input.name, status: status.status }));
    const off = supervisor.subscribe(report);
    report(supervisor.getStatus());
    receive(({ command }) => {
      // outcomes reach the system through the statuses; a rejection here is already one of them
      supervisor[command]().catch(() => {});
    });
    return off;
  });
  const actor = createActor(backendSystemMachine.provide({ actors: { service } }), {
    input: { services: specs },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const names = actor.getSnapshot().context.order;

  const status = (): BackendSystemStatus => {
    const snapshot = actor.getSnapshot();
    const services = Object.fromEntries(names.map((name) => [name, (supervisors.get(name) as BackendSupervisor).getStatus()]));
    const values = Object.values(services);
    const wanted = names.filter((name) => snapshot.context.wanted[name]);
    let aggregate: BackendStatus;
    if (snapshot.value === 'stopping') aggregate = 'stopping';
    else if (values.some((one) => one.status === 'error')) aggregate = 'error';
    else if (snapshot.value === 'idle' && values.every((one) => one.status === 'stopped')) aggregate = 'stopped';
    else if (wanted.length > 0 && wanted.every((name) => services[name]?.status === 'running')) aggregate = 'running';
    else if (values.every((one) => one.status === 'stopped')) aggregate = 'stopped';
    else aggregate = 'starting';
    return { status: aggregate, services };
  };
  const listeners = new Set<(status: BackendSystemStatus) => void>();
  let last = '';
  const publish = () => {
    const current = status();
    const key = JSON.stringify([current.status, Object.values(current.services).map((one) => one.sequence)]);
    if (key === last) return;
    last = key;
    for (const listener of listeners) listener(current);
  };
  actor.subscribe(publish);
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

  /**
   * Resolves when `done` holds, rejects when `failed` gives an error first. With `afterLeaving`,
   * `done` counts only once the system was seen outside it (a restart must first go down).
   */
  const until = (done: (s: BackendSystemStatus) => boolean, failed: (s: BackendSystemStatus) => BackendError | undefined, afterLeaving = false) =>
    new Promise<BackendSystemStatus>((resolve, reject) => {
      let left = !afterLeaving;
      const check = (current: BackendSystemStatus) => {
        if (!done(current)) left = true;
        if (!left) return;
        const failure = failed(current);
        if (failure) {
          listeners.delete(check);
          reject(failure);
        } else if (done(current)) {
          listeners.delete(check);
          resolve(current);
        }
      };
      listeners.add(check);
      // the command may have settled the matter at once
      queueMicrotask(() => check(status()));
    });
  const startFailure = (current: BackendSystemStatus) => {
    if (current.status === 'stopped' || current.status === 'stopping') {
      return actor.getSnapshot().value === 'active' ? undefined : new BackendError({ code: 'STOPPED', message: 'The system was stopped before it was running', retryable: false });
    }
    const failed = names.find((name) => current.services[name]?.status === 'error');
    const error = failed ? current.services[failed]?.error : undefined;
    return error && failed ? new BackendError({ code: error.code as BackendErrorCode, message: `Service "${failed}": ${error.message}`, details: { service: failed } }) : undefined;
  };
  const running = (current: BackendSystemStatus) => current.status === 'running';
  const down = (current: BackendSystemStatus) => actor.getSnapshot().value === 'idle' && (current.status === 'stopped' || current.status === 'error');

  return {
    start() {
      actor.send({ type: 'system.start' });
      return until(running, startFailure);
    },
    stop() {
      actor.send({ type: 'system.stop' });
      return until(down, () => undefined);
    },
    restart(name) {
      if (name !== undefined && !supervisors.has(name)) return Promise.reject(invalidOption('name', `one of ${names.join(', ')}`, name));
      const settled = until(running, startFailure, true);
      actor.send(name === undefined ? { type: 'system.restart' } : { type: 'service.restart', name });
      return settled;
    },
    getStatus: status,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    service(name) {
      const supervisor = supervisors.get(name);
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
