import type { Actor, InspectionEvent } from 'xstate';
import type { BackendLifecycleMachine } from '../../machines/backend-lifecycle.machine.js';
import { failureHint } from '../../machines/hints.js';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { ResolvedOptions } from '../options/options.js';
import { Recent, type TransitionRecord } from './history.js';
import { FailureEvidence } from './evidence.js';
import { LaunchTimelines, statePath } from './launch-timeline.js';
import { StopBlockers } from './stop-blockers.js';

const historyLimit = 200;

/**
 * What a supervisor learns about its backend beyond the status: the evidence behind a failure's
 * hint, the processes holding a stop, each launch's timeline, and the last 200 transitions and
 * status changes (for a report). It only observes the lifecycle actor; it never drives it.
 */
export class Diagnostics {
  readonly timelines = new LaunchTimelines();
  readonly transitions = new Recent<TransitionRecord>(historyLimit);
  readonly statusChanges = new Recent<BackendStatusInfo>(historyLimit);
  readonly #evidence: FailureEvidence;
  readonly #blockers: StopBlockers;

  constructor(
    private readonly actor: Actor<BackendLifecycleMachine>,
    options: ResolvedOptions,
    refresh: () => void,
  ) {
    this.#evidence = new FailureEvidence({ command: options.command, stateDir: options.stateDir, name: options.name }, refresh);
    this.#blockers = new StopBlockers(refresh);
    actor.system.inspect((event: InspectionEvent) => {
      if (event.type !== '@xstate.snapshot' || event.actorRef !== actor) return;
      const path = statePath((event.snapshot as { value?: unknown }).value);
      const now = Date.now();
      this.timelines.note(event.event.type, path, now);
      this.transitions.push({ at: new Date(now).toISOString(), event: event.event.type, state: path });
    });
  }

  /** Follows each new snapshot (before its status is derived). */
  observe(): void {
    const snapshot = this.actor.getSnapshot();
    this.#evidence.observe(snapshot.context);
    this.#blockers.observe(snapshot.hasTag('stopping'), snapshot.context.pgid);
  }

  /** The status with what the evidence says: the error's hint, and who holds a stop in `detail`. */
  decorate(status: BackendStatusInfo): BackendStatusInfo {
    const { context } = this.actor.getSnapshot();
    if (status.status === 'stopping') {
      const holding = this.#blockers.describe();
      if (holding) status.detail = holding;
    }
    if (status.error && context.error) {
      const hint = failureHint(context.error, { ...this.#evidence.facts, stopBlockers: this.#blockers.current });
      if (hint) status.error.hint = hint;
    }
    return status;
  }

  /** Records a status change (call for each one the feed publishes). */
  record(status: BackendStatusInfo): void {
    this.statusChanges.push(status);
  }
}
