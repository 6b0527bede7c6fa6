import type { BackendStatus } from './status.js';
import { dependentsOf, type SystemServiceSpec } from './system-graph.js';

/** A command the system sends to one service. */
export type ServiceCommand = 'start' | 'stop' | 'restart';

/** What the system statechart keeps per system (plain data, derived from nothing but events). */
export interface SystemPlanState {
  services: Readonly<Record<string, SystemServiceSpec>>;
  /** Start order: dependencies first. */
  order: readonly string[];
  statuses: Record<string, BackendStatus>;
  /** Services the system wants up (a `stop` policy or a per-service stop takes one out). */
  wanted: Record<string, boolean>;
  /** The last command sent to each service, until its status shows it was taken. */
  pending: Record<string, ServiceCommand | undefined>;
}

const up = new Set<BackendStatus>(['starting', 'running']);
const down = new Set<BackendStatus>(['stopped', 'error']);

/** Whether a status shows that `command` was taken (so it is no longer pending). */
function taken(command: ServiceCommand | undefined, status: BackendStatus): boolean {
  if (command === 'stop') return down.has(status);
  return status !== 'stopped';
}

/** Records a service's new status and forgets the command it answered. */
export function recordStatus(state: SystemPlanState, name: string, status: BackendStatus): Pick<SystemPlanState, 'statuses' | 'pending'> {
  const pending = { ...state.pending };
  if (taken(pending[name], status)) pending[name] = undefined;
  return { statuses: { ...state.statuses, [name]: status }, pending };
}

/**
 * The commands that move the system towards what it wants. Stops first, dependents before what
 * they need: a service goes down when it is no longer wanted, or when a dependency stopped running
 * (policy `restart`: it starts again later; `stop`: it is no longer wanted; `ignore`: left alone).
 * Then starts, in start order: a wanted service starts once every dependency runs.
 */
export function planStart(state: SystemPlanState): { commands: [string, ServiceCommand][]; wanted: Record<string, boolean> } {
  const commands: [string, ServiceCommand][] = [];
  const wanted = { ...state.wanted };
  const dependenciesRun = (name: string) => (state.services[name]?.dependsOn ?? []).every((dependency) => state.statuses[dependency] === 'running');
  const statusOf = (name: string) => state.statuses[name] ?? 'stopped';
  for (const name of [...state.order].reverse()) {
    const policy = state.services[name]?.onDependencyFailure;
    if (!up.has(statusOf(name)) || state.pending[name] !== undefined) continue;
    const lostDependency = !dependenciesRun(name) && policy !== 'ignore';
    if (!lostDependency && wanted[name]) continue;
    if (lostDependency && policy === 'stop') wanted[name] = false;
    // what needs this service goes down first (its own stop was sent in an earlier pass): then this one
    const dependentsDown = dependentsOf(state.services, name).every((dependent) => down.has(statusOf(dependent)));
    if (!dependentsDown && !lostDependency) continue;
    commands.push([name, 'stop']);
  }
  for (const name of state.order) {
    if (wanted[name] && statusOf(name) === 'stopped' && state.pending[name] === undefined && dependenciesRun(name)) commands.push([name, 'start']);
  }
  return { commands, wanted };
}

/** The stops that bring the system down in reverse order: a service stops once nothing that depends on it is up. */
export function planStop(state: SystemPlanState): [string, ServiceCommand][] {
  const commands: [string, ServiceCommand][] = [];
  for (const name of [...state.order].reverse()) {
    const status = state.statuses[name] ?? 'stopped';
    if (down.has(status) || state.pending[name] === 'stop') continue;
    const dependentsDown = dependentsOf(state.services, name).every((dependent) => down.has(state.statuses[dependent] ?? 'stopped'));
    if (dependentsDown) commands.push([name, 'stop']);
  }
  return commands;
}

/** True once every service is stopped or gave up. */
export const allDown = (state: SystemPlanState): boolean => state.order.every((name) => down.has(state.statuses[name] ?? 'stopped'));

/** `name` and everything `next` leads to from it, transitively. */
function closure(name: string, next: (current: string) => readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (current: string) => {
    if (seen.has(current)) return;
    seen.add(current);
    for (const other of next(current)) visit(other);
  };
  visit(name);
  return [...seen];
}

/** The names of a service and everything it needs, transitively (to start one service of a system). */
export const withDependencies = (services: Readonly<Record<string, SystemServiceSpec>>, name: string): string[] =>
  closure(name, (current) => services[current]?.dependsOn ?? []);

/** The names of a service and everything that needs it, transitively (to stop one service of a system). */
export const withDependents = (services: Readonly<Record<string, SystemServiceSpec>>, name: string): string[] =>
  closure(name, (current) => dependentsOf(services, current));
