import type { InspectionEvent } from 'xstate';

/** One transition of the root machine, as the inspector page lists it. */
export interface TransitionEntry {
  at: string;
  event: string;
  /** The state value after the transition, as JSON. */
  state: string;
  /** Active state paths, e.g. ['launched', 'launched.running'] (they name the diagram's nodes). */
  paths: string[];
}

/** Active state paths of a state value: { launched: 'running' } → ['launched', 'launched.running']. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...statePaths(child, `${prefix}${key}.`)]);
}

const keep = 200;

/** Turns XState inspection events into the page's transition log and live state. */
export class InspectionHub {
  readonly transitions: TransitionEntry[] = [];
  readonly #listeners = new Set<(entry: TransitionEntry) => void>();

  /** Pass as (part of) the supervisor's `inspect` option. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.snapshot' || event.actorRef.sessionId !== event.rootId) return;
    const value = (event.snapshot as { value?: unknown }).value;
    if (value === undefined) return;
    const entry: TransitionEntry = { at: new Date().toISOString(), event: event.event.type, state: JSON.stringify(value), paths: statePaths(value) };
    this.transitions.push(entry);
    if (this.transitions.length > keep) this.transitions.shift();
    for (const listener of this.#listeners) listener(entry);
  };

  get paths(): string[] {
    return this.transitions.at(-1)?.paths ?? [];
  }

  subscribe(listener: (entry: TransitionEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
