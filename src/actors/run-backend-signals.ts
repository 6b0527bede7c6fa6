import type { ProcessControlEvent } from '../../machines/events.js';
import type { ResolvedOptions } from '../options/options.js';
import { beginFamilyScan, platform, signalGroup } from '../process/process-group.js';
import { requestStop } from '../process/stop-request.js';
import type { LaunchState } from './run-backend-state.js';
import { progressIntervalMs } from './progress-coalescer.js';

// asynchronous on Windows (a tree walk); a failure is logged, never thrown past the actor
export function signalSafely(run: LaunchState, leader: number, signal: NodeJS.Signals): void {
  signalGroup(leader, signal).catch((error: unknown) => {
    run.log?.note(`could not ${signal === 'SIGKILL' ? 'end' : 'signal'} the backend's group ${leader}: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** Notes in the launch log how many progress texts were replaced before they were shown. */
export function noteDroppedProgress(run: LaunchState): void {
  if (run.progress.dropped === run.droppedNoted) return;
  run.droppedNoted = run.progress.dropped;
  run.log?.note(`${run.droppedNoted} progress updates were replaced by later ones before they were shown (at most one per ${progressIntervalMs} ms)`);
}

function deliver(run: LaunchState, signal: NodeJS.Signals): void {
  if (run.pgid === undefined) run.pendingSignal = signal;
  else signalSafely(run, run.pgid, signal);
}

// the backend's own stop request comes before SIGTERM; SIGKILL still comes at graceMs
function askToStop(run: LaunchState, request: NonNullable<ResolvedOptions['shutdown']['request']>): void {
  const { options } = run;
  run.stopRequested = true;
  run.log?.note(`asking the backend to stop: ${request.method} ${request.path}`);
  void requestStop(options, request, run.apiKey, run.port).then(({ accepted, detail }) => {
    if (run.exited || run.released) return;
    // without graceful signals (Windows) an accepted request has the whole grace period: what follows ends the tree
    if (accepted && !platform().gracefulSignals) return run.log?.note(`${detail}; its tree is ended in ${options.shutdown.graceMs} ms unless it exits`);
    run.log?.note(accepted ? `${detail}; SIGTERM follows in ${request.waitMs} ms unless it exits` : `${detail}; sending SIGTERM now`);
    run.termTimer = setTimeout(() => {
      if (!run.exited) deliver(run, 'SIGTERM');
    }, accepted ? request.waitMs : 0);
  });
}

/** The machine's `process.signal`: a stop request first when one is configured, else the signal. */
export function onControl(run: LaunchState, event: ProcessControlEvent) {
  if (event.type !== 'process.signal') return;
  // the reap after the exit looks for members that left the group: that look begins now, while the backend stops
  if (run.pgid !== undefined && !run.exited) beginFamilyScan(run.instanceId);
  const request = run.options.shutdown.request;
  if (event.signal === 'SIGTERM' && request && run.pgid !== undefined && !run.stopRequested) return askToStop(run, request);
  clearTimeout(run.termTimer);
  deliver(run, event.signal);
}
