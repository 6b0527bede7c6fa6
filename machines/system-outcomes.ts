import type { BackendStatus } from './status.js';
import { isDown, type SystemPlanState, withDependencies, withDependents } from './system-plan.js';

/** A command to a system as its promise remembers it: what, for which service, and its epoch. */
export interface SystemCommandRecord {
  command: 'start' | 'stop' | 'restart';
  /** One service (and what it needs, or what needs it); undefined: the whole system. */
  name?: string | undefined;
  /** The system's epoch once the command was taken: only what happens after it can answer it. */
  epoch: number;
}

/**
 * How a command ended, or undefined while it has not:
 * - `done`: a start/restart runs (every service it is about runs), a stop is down (or a later
 *   start took over once the old processes are gone);
 * - `cancelled`: a later stop took `service` out before it was running, or its `stop` policy did;
 * - `failed`: `service` gave up after the command was sent (its status carries the error).
 */
export type SystemCommandOutcome = { kind: 'done' } | { kind: 'cancelled'; service: string; byPolicy: boolean } | { kind: 'failed'; service: string } | undefined;

type OutcomeState = SystemPlanState & { phase: string };

function startOutcome(state: OutcomeState, record: SystemCommandRecord): SystemCommandOutcome {
  const whole = record.name === undefined;
  const scope = whole ? state.order : withDependencies(state, record.name as string);
  for (const name of scope) if ((state.unwantedAt[name] ?? 0) > record.epoch) return { kind: 'cancelled', service: name, byPolicy: false };
  for (const name of scope) {
    const retrying = state.retry[name] === true || state.pending[name] !== undefined;
    if (state.statuses[name] === 'error' && (state.failedAt[name] ?? 0) >= record.epoch && !retrying) return { kind: 'failed', service: name };
  }
  // a service its `stop` policy took down: the whole system runs without it, a command about it cannot
  const goal = scope.filter((name) => state.wanted[name] || !whole);
  const dropped = goal.find((name) => !state.wanted[name]);
  if (dropped !== undefined) return { kind: 'cancelled', service: dropped, byPolicy: true };
  const runs = (name: string) => state.statuses[name] === 'running' && !state.cycle[name] && !state.retry[name] && state.pending[name] === undefined;
  return goal.length > 0 && goal.every(runs) ? { kind: 'done' } : undefined;
}

function stopOutcome(state: OutcomeState, record: SystemCommandRecord): SystemCommandOutcome {
  const scope = record.name === undefined ? state.order : withDependents(state, record.name);
  // taken over by a later start: done once the old process is gone, not once the new one runs
  const over = (name: string) =>
    state.pending[name] !== 'stop' && (isDown(state.statuses[name]) || ((state.wantedAt[name] ?? 0) > record.epoch && state.statuses[name] !== 'stopping'));
  return scope.every(over) ? { kind: 'done' } : undefined;
}

/**
 * The outcome of one command given the system's state now (pure: the system calls it after every
 * change, for every command still waiting, so each settles once, with the outcome of that command).
 *
 * @example
 * const outcome = commandOutcome({ ...snapshot.context, phase: String(snapshot.value) }, { command: 'start', epoch: 3 });
 * if (outcome?.kind === 'done') resolve();
 */
export function commandOutcome(state: OutcomeState, record: SystemCommandRecord): SystemCommandOutcome {
  return record.command === 'stop' ? stopOutcome(state, record) : startOutcome(state, record);
}

/**
 * The status of the whole system: `stopping` while it winds down, `error` while a service gave up,
 * `running` once every wanted service runs, `stopped` when nothing is up or wanted, else `starting`.
 */
export function systemStatus(state: OutcomeState): BackendStatus {
  const statuses = state.order.map((name) => state.statuses[name] ?? 'stopped');
  if (state.phase === 'stopping') return 'stopping';
  if (statuses.includes('error')) return 'error';
  const wanted = state.order.filter((name) => state.wanted[name]);
  if (wanted.length > 0 && wanted.every((name) => state.statuses[name] === 'running' && !state.cycle[name])) return 'running';
  // wanted but all still stopped: a start or a restart on its way, not a stopped system
  return statuses.every((status) => status === 'stopped') && state.phase !== 'active' ? 'stopped' : 'starting';
}
