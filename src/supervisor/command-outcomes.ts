import type { BackendStatusInfo } from '../../machines/status.js';
import { BackendError } from '../errors.js';

/** A public command whose promise waits for its outcome. */
export type Command = 'start' | 'stop' | 'restart';

interface Pending {
  command: Command;
  /** Only statuses after this one answer the command (a command sent from a listener is queued). */
  since: number;
  /** A later start()/restart() took over from this stop(). */
  superseded: boolean;
  resolve(status: BackendStatusInfo): void;
  reject(error: BackendError): void;
}

const cancelled = () => new BackendError({ code: 'STOPPED', message: 'Backend start was cancelled: stop() was called before it was running' });

/**
 * Settles every command's promise exactly once, with the outcome of that command:
 * - `start()`/`restart()` resolve on `running`, reject with the error on `error`, and with
 *   `STOPPED` when a `stop()` ends them (the status reaches `stopped` first). Rejecting at the
 *   moment `stop()` is called would turn `start(); await stop()` into an unhandled rejection;
 * - `stop()` resolves on `stopped`; overtaken by a `start()`/`restart()`, it resolves once the
 *   old backend is gone (the next status that is not `stopping`), and rejects only if the stop
 *   itself failed.
 */
export class CommandOutcomes {
  readonly #pending = new Set<Pending>();

  constructor(private readonly errorOf: (fallback: string) => BackendError) {}

  /** Registers a command just sent; `current` is the status at that moment. */
  wait(command: Command, current: BackendStatusInfo): Promise<BackendStatusInfo> {
    if (command !== 'stop') for (const pending of this.#pending) if (pending.command === 'stop') pending.superseded = true;
    return new Promise((resolve, reject) => {
      // a restart always passes through stopping/starting, so the running status it finds now is the old one
      if (command === 'start' && current.status === 'running') return resolve(current);
      if (command === 'stop' && current.status === 'stopped') return resolve(current);
      this.#pending.add({ command, since: current.sequence, superseded: false, resolve, reject });
    });
  }

  /** Feeds a status change to every command still waiting. */
  update(status: BackendStatusInfo): void {
    for (const pending of [...this.#pending]) {
      if (status.sequence <= pending.since) continue;
      const outcome = pending.command === 'stop' ? this.#stopOutcome(pending, status) : this.#startOutcome(status);
      if (outcome) this.#settle(pending, () => (outcome instanceof BackendError ? pending.reject(outcome) : pending.resolve(outcome)));
    }
  }

  /** Settles everything still waiting with `error` (the supervisor itself failed). */
  abort(error: BackendError): void {
    for (const pending of [...this.#pending]) this.#settle(pending, () => pending.reject(error));
  }

  #startOutcome(status: BackendStatusInfo): BackendStatusInfo | BackendError | undefined {
    if (status.status === 'running') return status;
    if (status.status === 'error') return this.errorOf('Backend server could not be started');
    if (status.status === 'stopped') return cancelled();
    return undefined;
  }

  #stopOutcome(pending: Pending, status: BackendStatusInfo): BackendStatusInfo | BackendError | undefined {
    if (status.status === 'error') return this.errorOf('Backend server could not be stopped');
    if (status.status === 'stopped' || status.status === 'running') return status;
    if (pending.superseded && status.status === 'starting') return status;
    return undefined;
  }

  #settle(pending: Pending, settle: () => void): void {
    this.#pending.delete(pending);
    settle();
  }
}
