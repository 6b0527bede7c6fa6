import { randomUUID } from 'node:crypto';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { forgetInstance } from '../disk/live-instances.js';
import { lockPath, removeLock } from '../disk/lockfile.js';
import { openLaunchLog } from '../disk/log-file.js';
import type { HandoffSocket } from '../net/handoff-socket.js';
import type { ResolvedOptions } from '../options/options.js';
import { prepareGroups, processStartTime } from '../process/process-group.js';
import { loadSpawnTools, type SpawnTools } from '../process/spawn-backend.js';
import { expandArgs, logFailure, spawnFailure, stoppedBeforeSpawn } from '../process/spawn-helpers.js';
import { secretsOf } from '../options/secrets.js';
import { releasePort } from './allocate-port.js';
import { noteDroppedProgress, onControl, signalSafely } from './run-backend-signals.js';
import { launch } from './run-backend-spawn.js';
import type { LaunchState } from './run-backend-state.js';
import type { VerifiedFolders } from './prepare-directories.js';
import { coalesceProgress } from './progress-coalescer.js';
import type { ReadinessHints } from './readiness-hints.js';
import type { CallbackWork } from './work.js';

// the supervisor's own start time never changes: read once per process, before the first spawn
let ownStartTime: Promise<string> | undefined;
const supervisorStartTime = () => {
  ownStartTime ??= processStartTime(process.pid).then((time) => time ?? 'unknown');
  return ownStartTime;
};

/**
 * The process actor: spawns the backend in its own process group, logs its output, reports
 * `process.spawned` / `process.exited`, signals the group on request, and SIGKILLs whatever is
 * left of the group when it is stopped (the state that owns it was left) or when Node exits.
 * Nothing in it may throw past it: every failure becomes an event. `onSpawned` runs once the
 * backend is born and recorded (the supervisor warms the health check there, while it boots).
 */
export function createRunBackend(
  options: ResolvedOptions,
  apiKey: string | false,
  hints: ReadinessHints,
  socket?: HandoffSocket,
  folders: VerifiedFolders = options,
  onSpawned?: () => void,
): CallbackWork<ProcessControlEvent, RunBackendInput> {
  return ({ input, sendBack, receive }) => {
    const instanceId = randomUUID();
    const run: LaunchState = {
      options,
      apiKey,
      hints,
      socket,
      folders,
      onSpawned,
      port: input.port,
      sendBack,
      instanceId,
      args: expandArgs(options.args, input.port, options.host),
      lockFile: lockPath(folders.stateDir, options.name, instanceId),
      // a backend may report every item it loads: each text shown is a status change, pushed to every window
      progress: coalesceProgress((text) => {
        run.log?.note(`backend status: ${text}`);
        sendBack({ type: 'process.progress', detail: text } satisfies ProcessEvent);
      }),
      log: undefined,
      pgid: undefined,
      exited: false,
      released: false,
      pendingSignal: undefined,
      forgetGroup: () => {},
      dismissGuard: () => {},
      stopRequested: false,
      termTimer: undefined,
      droppedNoted: 0,
    };
    receive((event) => onControl(run, event));
    // an installation without execa is reported, not an unhandled rejection
    // the launch runs in a task of its own: the transitions that led here (a backoff's end, the port)
    // and the spawn, which waits on the main thread for the child's exec, would otherwise block it as one
    Promise.all([loadSpawnTools(), prepareGroups(), supervisorStartTime()]).then(([tools, , started]) => void setImmediate(() => begin(run, tools, started)), (error: unknown) => {
      if (!run.released) sendBack(spawnFailure(error, options, undefined));
    });
    return () => release(run);
  };
}

/** Opens the launch log and launches; a launch that throws is reported like a command that could not start. */
function begin(run: LaunchState, tools: SpawnTools, supervisorStarted: string) {
  const { options } = run;
  if (run.released) return; // stopped while the module was loading: nothing was born
  // a stop or restart came first (the machine is terminating): a backend born now would only be
  // signalled, and asked to stop before it could listen. Nothing is born; the machine goes on to
  // confirm that nothing is left, as for a command that could not start.
  if (run.pendingSignal !== undefined) return run.sendBack(stoppedBeforeSpawn(options));
  let log: NonNullable<LaunchState['log']>;
  try {
    log = openLaunchLog(run.folders.logDir, options.name, run.instanceId, options.logMaxBytes, secretsOf(options, run.apiKey));
    run.log = log;
  } catch (error) {
    return run.sendBack(logFailure(error, options));
  }
  try {
    launch(run, tools, log, supervisorStarted);
  } catch (error) {
    // a defect in the launch itself, or a spawn refused for lack of file descriptors: like a command that could not be started
    if (run.pgid === undefined) removeLock(run.lockFile);
    log.note(`spawn failed: ${error instanceof Error ? error.message : String(error)}`);
    run.sendBack(spawnFailure(error, options, log.path));
  }
}

/** The state that owns the launch was left: whatever is left of the backend's group goes. */
function release(run: LaunchState): void {
  run.released = true;
  clearTimeout(run.termTimer);
  run.progress.dispose();
  noteDroppedProgress(run);
  // the launch is over: a restart may bind this port again (a handoff socket keeps it until the supervisor stops)
  if (!run.socket) releasePort(run.options.host, run.port);
  run.forgetGroup();
  run.dismissGuard();
  if (run.pgid !== undefined && !run.exited) {
    // EPERM (a member changed its user) is only logged: the reap that follows names the survivors
    signalSafely(run, run.pgid, 'SIGKILL');
    forgetInstance(run.instanceId);
  }
  // a launch released before its spawn (or whose spawn failed) leaves no record behind
  if (run.pgid === undefined) removeLock(run.lockFile);
  void run.log?.close();
}
