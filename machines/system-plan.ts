import type { BackendStatus } from './status.js';
import type { SystemServiceSpec } from './system-graph.js';

/** A command the system sends to one service. */
export type ServiceCommand = 'start' | 'stop';

type PerService<T> = Record<string, T>;

/** What the system statechart keeps per system (plain data, derived from nothing but events). */
export interface SystemPlanState {
  services: Readonly<Record<string, SystemServiceSpec>>;
  /** Start order: dependencies first. */
  order: readonly string[];
  /** Each service's direct dependents (computed once). */
  dependents: Readonly<PerService<readonly string[]>>;
  statuses: PerService<BackendStatus>;
  /** Services the system wants up (a stop command or a `stop` policy takes one out). */
  wanted: PerService<boolean>;
  /** The last command sent to each service, until its status shows it was taken. */
  pending: PerService<ServiceCommand | undefined>;
  /** Asked to restart: goes down once, then starts again (a restart is a stop and a start). */
  cycle: PerService<boolean>;
  /** Gave up (`error`) and asked to start again: the next start retries it. */
  retry: PerService<boolean>;
  /** Counts the commands to the system: each command's outcome is judged by what came after it. */
  epoch: number;
  /** The epoch of the last command that asked for each service, and of the last that took it out. */
  wantedAt: PerService<number>;
  unwantedAt: PerService<number>;
  /** The epoch at which each service was last taken down by its `stop` policy, and last reported `error`. */
  droppedAt: PerService<number>;
  failedAt: PerService<number>;
  /** The epoch at which the system last sent each service a stop. */
  stoppedAt: PerService<number>;
}

const up = new Set<BackendStatus>(['starting', 'running']);
const down = new Set<BackendStatus>(['stopped', 'error']);
export const isDown = (status: BackendStatus | undefined): boolean => down.has(status ?? 'stopped');

/** Whether a status shows that `command` was taken (so it is no longer pending). */
function taken(command: ServiceCommand | undefined, status: BackendStatus): boolean {
  if (command === 'stop') return down.has(status);
  return status !== 'stopped';
}

/** Records a service's new status: the command it answered is forgotten, a finished restart's stop too. */
export function recordStatus(state: SystemPlanState, name: string, status: BackendStatus): Partial<SystemPlanState> {
  const pending = { ...state.pending };
  if (taken(pending[name], status)) pending[name] = undefined;
  const changes: Partial<SystemPlanState> = { statuses: { ...state.statuses, [name]: status }, pending };
  if (state.cycle[name] && down.has(status) && pending[name] === undefined) changes.cycle = { ...state.cycle, [name]: false };
  // a retry is for a service in error; out of it, the flag is spent (a second start sent before the
  // first one's status arrived must not leave it set, or the service would count as never started)
  if (state.retry[name] && status !== 'error') changes.retry = { ...state.retry, [name]: false };
  if (status === 'error' && state.statuses[name] !== 'error') changes.failedAt = { ...state.failedAt, [name]: state.epoch };
  return changes;
}

/**
 * The commands that move the system towards what it wants. A service serves its dependents while
 * it runs, is wanted, is not restarting and not being stopped. Stops first, dependents before what
 * they need: a service goes down when it is no longer wanted, restarts, or lost a dependency
 * (policy `restart`: it starts again later; `stop`: it is no longer wanted; `ignore`: left alone).
 * Then starts, in start order: a wanted service starts once every dependency serves.
 */
export function planStart(state: SystemPlanState): Pick<SystemPlanState, 'wanted' | 'pending' | 'droppedAt' | 'retry' | 'stoppedAt'> & { commands: [string, ServiceCommand][] } {
  const commands: [string, ServiceCommand][] = [];
  const wanted = { ...state.wanted };
  const pending = { ...state.pending };
  const stoppedAt = { ...state.stoppedAt };
  const stop = (name: string) => {
    pending[name] = 'stop';
    stoppedAt[name] = state.epoch;
    commands.push([name, 'stop']);
  };
  const droppedAt = { ...state.droppedAt };
  const retry = { ...state.retry };
  const statusOf = (name: string) => state.statuses[name] ?? 'stopped';
  const policyOf = (name: string) => state.services[name]?.onDependencyFailure ?? 'restart';
  const dependenciesOf = (name: string) => state.services[name]?.dependsOn ?? [];
  // in start order, so that a service's dependencies are judged before it
  const serves: PerService<boolean> = {};
  const lost: PerService<boolean> = {};
  for (const name of state.order) {
    lost[name] = policyOf(name) !== 'ignore' && !dependenciesOf(name).every((dependency) => serves[dependency]);
    serves[name] = statusOf(name) === 'running' && wanted[name] === true && !state.cycle[name] && pending[name] !== 'stop' && !lost[name];
  }
  const goingDown = (name: string) => statusOf(name) === 'stopping' || (up.has(statusOf(name)) && (!wanted[name] || state.cycle[name] === true || lost[name] === true || pending[name] === 'stop'));
  for (const name of [...state.order].reverse()) {
    if (!up.has(statusOf(name)) || pending[name] !== undefined || !goingDown(name)) continue;
    if (lost[name] && policyOf(name) === 'stop' && wanted[name] && !state.cycle[name]) {
      wanted[name] = false;
      droppedAt[name] = state.epoch;
    }
    // what needs this service and goes down too goes first (its stop was sent in an earlier pass)
    if ((state.dependents[name] ?? []).some(goingDown)) continue;
    stop(name);
  }
  // a service that gave up, asked to stop, is stopped too (as supervisor.stop() clears an error), once per
  // stop command: an error the system's own stop ended in (STOP_FAILED) stays
  for (const name of state.order) {
    const unwantedAt = state.unwantedAt[name] ?? 0;
    // the last command about it was a stop (not its policy), and no stop was sent to it since
    const stopAsked = unwantedAt > (state.wantedAt[name] ?? 0) && (state.stoppedAt[name] ?? 0) < unwantedAt;
    if (statusOf(name) !== 'error' || wanted[name] || pending[name] !== undefined || !stopAsked) continue;
    stop(name);
  }
  for (const name of state.order) {
    const startable = statusOf(name) === 'stopped' || (statusOf(name) === 'error' && retry[name] === true);
    if (!wanted[name] || !startable || pending[name] !== undefined || state.cycle[name]) continue;
    if (!dependenciesOf(name).every((dependency) => serves[dependency])) continue;
    pending[name] = 'start';
    retry[name] = false;
    commands.push([name, 'start']);
  }
  return { commands, wanted, pending, droppedAt, retry, stoppedAt };
}

/** True once every service is stopped or gave up. */
export const allDown = (state: SystemPlanState): boolean => state.order.every((name) => down.has(state.statuses[name] ?? 'stopped'));

/** True while the system wants any service up. */
export const wantsAny = (state: SystemPlanState): boolean => state.order.some((name) => state.wanted[name]);

/** `name` and everything `next` leads to from it, transitively. */
function closure(name: string, next: (current: string) => readonly string[]): string[] {
  const seen = new Set<string>([name]);
  const stack = [name];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    for (const other of next(current)) {
      if (seen.has(other)) continue;
      seen.add(other);
      stack.push(other);
    }
  }
  return [...seen];
}

/** The names of a service and everything it needs, transitively (to start one service of a system). */
export const withDependencies = (state: Pick<SystemPlanState, 'services'>, name: string): string[] => closure(name, (current) => state.services[current]?.dependsOn ?? []);

/** The names of a service and everything that needs it, transitively (to stop one service of a system). */
export const withDependents = (state: Pick<SystemPlanState, 'dependents'>, name: string): string[] => closure(name, (current) => state.dependents[current] ?? []);
