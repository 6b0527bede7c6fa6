import type { BackendStatusInfo } from '../../machines/status.js';

function sameStatus(a: BackendStatusInfo, b: BackendStatusInfo): boolean {
  return (
    a.status === b.status &&
    a.phase === b.phase &&
    a.port === b.port &&
    a.pid === b.pid &&
    a.restarts === b.restarts &&
    a.detail === b.detail &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.error?.hint === b.error?.hint
  );
}

/**
 * Calls every listener with `value`; one that throws does not starve the others or the machine
 * that notifies (its error is rethrown on its own, where an uncaught-exception handler sees it).
 */
export function notifyEach<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** Turns a stream of snapshots into a stream of status changes: one object per real change. */
export class StatusFeed {
  #current: BackendStatusInfo;
  readonly #listeners = new Set<(status: BackendStatusInfo) => void>();

  #sequence = 1;

  constructor(private readonly derive: (sequence: number) => BackendStatusInfo) {
    this.#current = derive(this.#sequence);
  }

  get current(): BackendStatusInfo {
    return this.#current;
  }

  /** Re-derives the status; notifies listeners only when something a user can see changed. */
  refresh(): void {
    const next = this.derive(this.#sequence + 1);
    if (sameStatus(next, this.#current)) return;
    this.#sequence = next.sequence;
    this.#current = next;
    notifyEach(this.#listeners, next);
  }

  subscribe(listener: (status: BackendStatusInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
