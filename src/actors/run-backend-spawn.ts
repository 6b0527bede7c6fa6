import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ProcessEvent } from '../../machines/events.js';
import { rememberInstance } from '../disk/live-instances.js';
import { removeLock, writeLock } from '../disk/lockfile.js';
import type { LaunchLog } from '../disk/log-file.js';
import { listenFd } from '../net/listen-fd.js';
import { killGroupOnExit } from '../process/exit-hook.js';
import { startGuard } from '../process/guard.js';
import { holdGroup } from '../process/process-group.js';
import { type SpawnTools, spawnBackend } from '../process/spawn-backend.js';
import { backendEnv, drained, notifyFd, outputDrainMs, spawnFailure } from '../process/spawn-helpers.js';
import { windowsLaunch } from '../process/windows-command.js';
import { completeLock, lockFailure, lockRecord } from './run-backend-lock.js';
import { noteDroppedProgress, signalSafely } from './run-backend-signals.js';
import type { LaunchState } from './run-backend-state.js';
import { onNotifyLines, parseNotifyLine } from './readiness-hints.js';

// Everything that lets a later launch or the guard reap this backend, before the first await
// after spawn() returned: a host SIGKILLed from here on leaves a lock naming the pid.
function recordLaunch(run: LaunchState, tools: SpawnTools, pid: number, launchLog: LaunchLog, supervisorStarted: string): void {
  const { options, instanceId } = run;
  run.pgid = pid;
  const held = holdGroup(pid);
  if (held) launchLog.note(held);
  rememberInstance(instanceId);
  let unlocked: unknown;
  try {
    writeLock(run.lockFile, lockRecord(run, pid, 'unknown', supervisorStarted));
  } catch (error) {
    unlocked = error ?? 'unknown error';
  }
  run.forgetGroup = killGroupOnExit(pid);
  if (options.guard) run.dismissGuard = startGuard(tools, pid, instanceId, options.shutdown.graceMs, (line) => launchLog.note(line));
  run.sendBack({ type: 'process.spawned', pid, instanceId, logFile: launchLog.path } satisfies ProcessEvent);
  if (unlocked !== undefined) run.sendBack({ type: 'process.failed', error: lockFailure(run, unlocked) } satisfies ProcessEvent);
  // its start time in a task of its own: where asking means starting `ps` (macOS), that spawn would
  // hold the main thread together with the backend's
  else setImmediate(() => completeLock(run, pid, held, supervisorStarted).catch((error: unknown) => launchLog.note(`could not complete the lock with the backend's start time: ${error instanceof Error ? error.message : String(error)}`)));
  if (run.pendingSignal) signalSafely(run, pid, run.pendingSignal);
  run.onSpawned?.();
}

/** The backend's notification pipe: READY=1, STATUS=…, EXTEND_TIMEOUT_USEC=… lines. */
function watchNotifications(run: LaunchState, child: ChildProcess, launchLog: LaunchLog, launchedAt: number): void {
  const { options, hints, instanceId, progress } = run;
  // stdio is null when the spawn failed for lack of file descriptors (EMFILE): failure reports it
  onNotifyLines(child.stdio?.[notifyFd] as Readable | undefined, (line) => {
    const message = parseNotifyLine(line, launchLog.redact);
    if (message.kind === 'ready') {
      progress.flush();
      noteDroppedProgress(run);
      launchLog.note('backend notified READY=1');
      hints.emit('ready', instanceId);
    } else if (message.kind === 'status') {
      progress.push(message.text);
    } else if (message.kind === 'extend') {
      // the wait counts its cap from the launch; this is the same moment, give or take the spawn
      const beyond = Date.now() + message.ms - (launchedAt + options.health.maxStartupMs);
      const clamped = beyond > 0 ? `; clamped by health.maxStartupMs (${options.health.maxStartupMs} ms after the launch)` : '';
      launchLog.note(`backend asked for ${message.ms} ms more to start${clamped}`);
      hints.emit('extend', instanceId, message.ms);
    } else {
      launchLog.note(`ignored notification line: ${JSON.stringify(launchLog.redact(line).slice(0, 200))}`);
    }
  }, (start) => launchLog.note(`ignored a notification line of more than 4096 characters: ${JSON.stringify(`${launchLog.redact(start).slice(0, 60)}…`)}`));
}

// 'exit', not 'close' or the result promise: a grandchild holding the pipes must not hide the exit
function watchExit(run: LaunchState, child: ChildProcess, launchLog: LaunchLog): void {
  child.once('exit', (exitCode, signal) => {
    if (run.pgid === undefined || run.released) return; // never spawned (failure says why), or nobody listens any more
    run.exited = true;
    run.progress.dispose();
    noteDroppedProgress(run);
    run.forgetGroup();
    run.dismissGuard();
    void drained(child, outputDrainMs).then(async () => {
      launchLog.note(`exited with ${signal ? `signal ${signal}` : `code ${exitCode}`}`);
      await launchLog.flush();
      const exit = { exitCode, signal, logFile: launchLog.path, outputTail: launchLog.tail(), addressInUse: launchLog.addressInUse };
      run.sendBack({ type: 'process.exited', ...exit } satisfies ProcessEvent);
    });
  });
}

/** Spawns the backend and wires its output, notifications, exit and start failure to the launch. */
export function launch(run: LaunchState, tools: SpawnTools, launchLog: LaunchLog, supervisorStarted: string) {
  const { options, args, port, socket } = run;
  const launchedAt = Date.now();
  launchLog.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${port}`);
  const env = backendEnv(options, run.apiKey, port, run.instanceId);
  // Windows: the file found is the file started; a batch file's arguments are quoted for cmd.exe by us
  const windows = process.platform === 'win32' ? windowsLaunch(options.command, args, options.cwd, env) : undefined;
  if (process.platform === 'win32' && windows === undefined) {
    launchLog.note(`spawn failed: ${options.command} is not a program in ${options.cwd} or on PATH (with a PATHEXT extension)`);
    return run.sendBack(spawnFailure({ code: 'ENOENT' }, options, launchLog.path));
  }
  if (typeof windows === 'string') {
    launchLog.note(`refused: ${windows}`);
    const message = `Invalid option: ${windows}; pass such a value through env instead`;
    return run.sendBack({ type: 'process.spawnFailed', error: { code: 'INVALID_OPTIONS', message, logFile: launchLog.path, retryable: false } } satisfies ProcessEvent);
  }
  if (socket && (socket.fd === undefined || socket.port !== port)) throw new Error(`no handoff socket is held for port ${port}`);
  if (socket) launchLog.note(`handing over the socket listening on ${options.host}:${port} as fd ${listenFd} (BACKEND_LISTEN_FD); the backend must accept on it, not bind the port itself`);
  try {
    writeLock(run.lockFile, lockRecord(run, 0, 'unknown', supervisorStarted));
  } catch (error) {
    return run.sendBack({ type: 'process.spawnFailed', error: { ...lockFailure(run, error), retryable: false } } satisfies ProcessEvent);
  }
  const { child, failure } = spawnBackend(tools, options, args, env, socket?.fd, windows);
  if (child.pid !== undefined) recordLaunch(run, tools, child.pid, launchLog, supervisorStarted);
  child.stdout?.on('data', (chunk: Buffer) => launchLog.write('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => launchLog.write('stderr', chunk));
  watchNotifications(run, child, launchLog, launchedAt);
  watchExit(run, child, launchLog);
  void failure.then((error) => {
    // a pid known only now (execa on Windows may report it at its 'spawn' event)
    if (!error && run.pgid === undefined && child.pid !== undefined && !run.released) return recordLaunch(run, tools, child.pid, launchLog, supervisorStarted);
    if (!error || run.pgid !== undefined) return;
    removeLock(run.lockFile); // nothing was born: the record written before the spawn names no one
    if (run.released) return;
    launchLog.note(`spawn failed: ${error.message ?? error.code ?? 'unknown error'}`);
    run.sendBack(spawnFailure(error, options, launchLog.path));
  });
}
