import { type EventObject, fromCallback, fromPromise } from 'xstate';
import type { BackendErrorCode } from '../../machines/failure.js';
import { BackendError } from '../errors.js';
import type { HealthInput, ProcessControlEvent, ReapGroupInput, RunBackendInput } from '../../machines/events.js';
import type { ResolvedOptions } from '../options/options.js';
import { loadSpawnTools } from '../process/spawn-backend.js';
import type { HealthWork } from './health-work.js';
import type { RealWork } from './index.js';

/** A part that could not be loaded, as the status its actor ends in: the code its state gives failures, the part and the cause named. */
const loadFailure = (part: string, code: BackendErrorCode) => (error: unknown): never => {
  const cause = error instanceof Error ? error.message : String(error);
  throw new BackendError({ code, message: `Backend supervisor cannot load ${part}: ${cause} (is the backend-lifecycle installation complete?)`, details: { cause } });
};

/**
 * The lifecycle machine's actors, with their work (processes, files, sockets, execa, get-port, the
 * HTTP client) loaded after `import 'backend-lifecycle'`, in two parts: what leads to the spawn
 * loads in the background once the supervisor is created, and `starting.preparing` (every launch
 * passes it first) awaits it; the health
 * check loads right after the spawn, while the backend boots, and the wait for health awaits it.
 * A later actor that finds its part missing is a defect and fails into an error status like any
 * other actor error. `releaseSocket` closes a handoff socket (the machine's
 * `releaseListeningSocket`, on entering `stopped` or `error`).
 */
export function createLazyActors(options: ResolvedOptions, apiKey: string | false) {
  let work: RealWork | undefined;
  let workLoading: Promise<RealWork> | undefined;
  let healthLoading: Promise<HealthWork> | undefined;
  let health: HealthWork | undefined;
  const loaded = (): RealWork => {
    if (!work) throw new Error('the start-up work is not loaded: every launch begins in starting.preparing');
    return work;
  };
  const loadHealth = () => {
    const { hints } = loaded();
    healthLoading ??= import('./health-work.js')
      .then(({ createHealthWork }) => {
        health = createHealthWork(options, hints);
        return health;
      })
      .catch((error: unknown) => {
        healthLoading = undefined; // the next launch tries again (a load can fail for want of file descriptors)
        return loadFailure('its health check', 'HEALTH_TIMEOUT')(error);
      });
    return healthLoading;
  };
  const healthLoaded = (): HealthWork => {
    if (!health) throw new Error('the health check is not loaded: every monitor follows a wait for health');
    return health;
  };
  // started at the spawn; a failure to load is reported by the wait that awaits it
  const warmHealth = () => void loadHealth().catch(() => {});
  const loadWork = () => {
    // execa (the spawn's; one bundled chunk of 240 KB) loads beside the start-up work, not inside it: the folders,
    // the orphan reap and the port are done while it loads; the launch reports a failure to load it
    if (!workLoading) loadSpawnTools().catch(() => {});
    workLoading ??= import('./index.js')
      .then(({ createRealWork }) => {
        work = createRealWork(options, apiKey, warmHealth);
        return work;
      })
      .catch((error: unknown) => {
        workLoading = undefined; // the next start() tries again
        return loadFailure('its start-up work', 'SPAWN_FAILED')(error);
      });
    return workLoading;
  };
  // From the supervisor's creation on, the start-up work (with execa, which spawns, and get-port)
  // loads in the background: a start() that comes a moment later (an app's window, whenReady)
  // finds it loaded. Importing the package still loads none of it.
  setImmediate(() => void loadWork().catch(() => {}));
  const actors = {
    prepareDirectories: fromPromise<void>(async (args) => (await loadWork()).prepareDirectories(args)),
    reapOrphans: fromPromise<void>((args) => loaded().reapOrphans(args)),
    allocatePort: fromPromise<number>((args) => loaded().allocatePort(args)),
    runBackend: fromCallback<ProcessControlEvent, RunBackendInput>((args) => loaded().runBackend(args)),
    waitForHealth: fromPromise<void, HealthInput>(async (args) => (await loadHealth()).waitForHealth(args)),
    monitorHealth: fromCallback<EventObject, HealthInput>((args) => healthLoaded().monitorHealth(args)),
    reapGroup: fromPromise<void, ReapGroupInput>((args) => loaded().reapGroup(args)),
  };
  return { actors, releaseSocket: () => work?.releaseSocket() };
}
