import { type EventObject, fromCallback, fromPromise } from 'xstate';
import type { HealthInput, ProcessControlEvent, ReapGroupInput, RunBackendInput } from '../../machines/events.js';
import type { ResolvedOptions } from '../options.js';
import type { RealWork } from './index.js';

/**
 * The lifecycle machine's actors, with their work (processes, files, sockets, execa, get-port)
 * loaded by the first `start()` instead of by `import 'backend-lifecycle'`. Every launch passes
 * `starting.preparing` first, which loads it; a later actor that finds it missing is a defect and
 * fails into an error status like any other actor error. `releaseSocket` closes a handoff socket
 * (the machine's `releaseListeningSocket`, on entering `stopped` or `error`).
 */
export function createLazyActors(options: ResolvedOptions, apiKey: string | false) {
  let work: RealWork | undefined;
  const loaded = (): RealWork => {
    if (!work) throw new Error('the start-up work is not loaded: every launch begins in starting.preparing');
    return work;
  };
  const actors = {
    prepareDirectories: fromPromise<void>(async (args) => {
      work ??= (await import('./index.js')).createRealWork(options, apiKey);
      return work.prepareDirectories(args);
    }),
    reapOrphans: fromPromise<void>((args) => loaded().reapOrphans(args)),
    allocatePort: fromPromise<number>((args) => loaded().allocatePort(args)),
    runBackend: fromCallback<ProcessControlEvent, RunBackendInput>((args) => loaded().runBackend(args)),
    waitForHealth: fromPromise<void, HealthInput>((args) => loaded().waitForHealth(args)),
    monitorHealth: fromCallback<EventObject, HealthInput>((args) => loaded().monitorHealth(args)),
    reapGroup: fromPromise<void, ReapGroupInput>((args) => loaded().reapGroup(args)),
  };
  return { actors, releaseSocket: () => work?.releaseSocket() };
}
