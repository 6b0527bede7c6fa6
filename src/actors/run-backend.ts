import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { killGroupOnExit } from '../exit-hook.js';
import { startGuard } from '../guard.js';
import type { HandoffSocket } from '../handoff-socket.js';
import { listenFd } from '../listen-fd.js';
import { forgetInstance, rememberInstance } from '../live-instances.js';
import { type LaunchLog, openLaunchLog } from '../log-file.js';
import { type LockRecord, lockPath, removeLock, writeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { describeFsError } from '../private-dir.js';
import { requestStop } from '../stop-request.js';
import { beginFamilyScan, holdGroup, platform, prepareGroups, processStartTime, signalGroup } from '../process-group.js';
import { backendEnv, drained, expandArgs, logFailure, notifyFd, outputDrainMs, spawnFailure } from '../spawn-helpers.js';
import { loadSpawnTools, type SpawnTools, spawnBackend } from '../spawn-backend.js';
import { windowsLaunch } from '../windows-command.js';
import { releasePort } from './allocate-port.js';
import type { VerifiedFolders } from './prepare-directories.js';
import { coalesceProgress, progressIntervalMs } from './progress-coalescer.js';
import { onNotifyLines, parseNotifyLine, type ReadinessHints } from './readiness-hints.js';
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
    const args = expandArgs(options.args, input.port, options.host);
    let log: LaunchLog | undefined;
    let pgid: number | undefined;
    let exited = false;
    let released = false;
    let pendingSignal: NodeJS.Signals | undefined;
    let forgetGroup = () => {};
    let dismissGuard = () => {};
    let stopRequested = false;
    let termTimer: NodeJS.Timeout | undefined;
    // asynchronous on Windows (a tree walk); a failure is logged, never thrown past the actor
    const signalSafely = (leader: number, signal: NodeJS.Signals) => {
      signalGroup(leader, signal).catch((error: unknown) => {
        log?.note(`could not ${signal === 'SIGKILL' ? 'end' : 'signal'} the backend's group ${leader}: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    // a backend may report every item it loads: each text shown is a status change, pushed to every window
    const progress = coalesceProgress((text) => {
      log?.note(`backend status: ${text}`);
      sendBack({ type: 'process.progress', detail: text } satisfies ProcessEvent);
    });
    let droppedNoted = 0;
    const noteDroppedProgress = () => {
      if (progress.dropped === droppedNoted) return;
      droppedNoted = progress.dropped;
      log?.note(`${droppedNoted} progress updates were replaced by later ones before they were shown (at most one per ${progressIntervalMs} ms)`);
    };
    const deliver = (signal: NodeJS.Signals) => {
      if (pgid === undefined) pendingSignal = signal;
      else signalSafely(pgid, signal);
    };
    // the backend's own stop request comes before SIGTERM; SIGKILL still comes at graceMs
    const askToStop = (request: NonNullable<ResolvedOptions['shutdown']['request']>) => {
      stopRequested = true;
      log?.note(`asking the backend to stop: ${request.method} ${request.path}`);
      void requestStop(options, request, apiKey, input.port).then(({ accepted, detail }) => {
        if (exited || released) return;
        // without graceful signals (Windows) an accepted request has the whole grace period: what follows ends the tree
        if (accepted && !platform().gracefulSignals) return log?.note(`${detail}; its tree is ended in ${options.shutdown.graceMs} ms unless it exits`);
        log?.note(accepted ? `${detail}; SIGTERM follows in ${request.waitMs} ms unless it exits` : `${detail}; sending SIGTERM now`);
        termTimer = setTimeout(() => {
          if (!exited) deliver('SIGTERM');
        }, accepted ? request.waitMs : 0);
      });
    };
    receive((event) => {
      if (event.type !== 'process.signal') return;
      // the reap after the exit looks for members that left the group: that look begins now, while the backend stops
      if (pgid !== undefined && !exited) beginFamilyScan(instanceId);
      const request = options.shutdown.request;
      if (event.signal === 'SIGTERM' && request && pgid !== undefined && !stopRequested) return askToStop(request);
      clearTimeout(termTimer);
      deliver(event.signal);
    });

    const lockFile = lockPath(folders.stateDir, options.name, instanceId);
    // pid 0 before the spawn (the instance id alone finds the backend), the real one right after
    const lockRecord = (pid: number, startTime: string, supervisorStarted: string): LockRecord => ({
      pid,
      pgid: pid,
      startTime,
      instanceId,
      supervisorPid: process.pid,
      supervisorStartTime: supervisorStarted,
      port: input.port,
      platform: platform().name,
    });
    const lockFailure = (error: unknown) => {
      // without its lock a force-quit would orphan the backend for good: this launch cannot go on
      const message = `Backend server cannot be supervised safely - its lockfile in ${options.stateDir} cannot be written: ${describeFsError(error)}`;
      log?.note(message);
      return { code: 'SPAWN_FAILED', message, details: { stateDir: options.stateDir } } as const;
    };
    // the start time is read asynchronously (a table read on Windows): the lock names the pid at once, then its identity
    const completeLock = async (pid: number, held: string | undefined, supervisorStarted: string) => {
      const startTime = await processStartTime(pid);
      if (startTime === undefined && held !== undefined && !held.startsWith('held') && platform().isAlive(pid)) {
        // Windows without a job and without a process table: neither a stop nor the next start could find its tree
        const message = `Backend server cannot be supervised safely - ${held.replace(/: the tree .*$/, '')}, and the process table cannot be read (wmic and powershell.exe did not answer: PATH without System32, or blocked by policy)`;
        log?.note(message);
        return sendBack({ type: 'process.failed', error: { code: 'SPAWN_FAILED', message, details: { pid: String(pid) } } } satisfies ProcessEvent);
      }
      if (startTime === undefined || exited || released) return;
      try {
        writeLock(lockFile, lockRecord(pid, startTime, supervisorStarted));
      } catch (error) {
        sendBack({ type: 'process.failed', error: lockFailure(error) } satisfies ProcessEvent);
      }
    };

    // Everything that lets a later launch or the guard reap this backend, before the first await
    // after spawn() returned: a host SIGKILLed from here on leaves a lock naming the pid.
    const recordLaunch = (tools: SpawnTools, pid: number, launchLog: LaunchLog, supervisorStarted: string) => {
      pgid = pid;
      const held = holdGroup(pid);
      if (held) launchLog.note(held);
      rememberInstance(instanceId);
      let unlocked: unknown;
      try {
        writeLock(lockFile, lockRecord(pid, 'unknown', supervisorStarted));
      } catch (error) {
        unlocked = error ?? 'unknown error';
      }
      forgetGroup = killGroupOnExit(pid);
      if (options.guard) dismissGuard = startGuard(tools, pid, instanceId, options.shutdown.graceMs, (line) => launchLog.note(line));
      sendBack({ type: 'process.spawned', pid, instanceId, logFile: launchLog.path } satisfies ProcessEvent);
      if (unlocked !== undefined) sendBack({ type: 'process.failed', error: lockFailure(unlocked) } satisfies ProcessEvent);
      else void completeLock(pid, held, supervisorStarted);
      if (pendingSignal) signalSafely(pid, pendingSignal);
      onSpawned?.();
    };

    const launch = (tools: SpawnTools, launchLog: LaunchLog, supervisorStarted: string) => {
      const launchedAt = Date.now();
      launchLog.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${input.port}`);
      const env = backendEnv(options, apiKey, input.port, instanceId);
      // Windows: the file found is the file started; a batch file's arguments are quoted for cmd.exe by us
      const windows = process.platform === 'win32' ? windowsLaunch(options.command, args, options.cwd, env) : undefined;
      if (process.platform === 'win32' && windows === undefined) {
        launchLog.note(`spawn failed: ${options.command} is not a program in ${options.cwd} or on PATH (with a PATHEXT extension)`);
        return sendBack(spawnFailure({ code: 'ENOENT' }, options, launchLog.path));
      }
      if (typeof windows === 'string') {
        launchLog.note(`refused: ${windows}`);
        const message = `Invalid option: ${windows}; pass such a value through env instead`;
        return sendBack({ type: 'process.spawnFailed', error: { code: 'INVALID_OPTIONS', message, logFile: launchLog.path, retryable: false } } satisfies ProcessEvent);
      }
      if (socket && (socket.fd === undefined || socket.port !== input.port)) throw new Error(`no handoff socket is held for port ${input.port}`);
      if (socket) launchLog.note(`handing over the socket listening on ${options.host}:${input.port} as fd ${listenFd} (BACKEND_LISTEN_FD); the backend must accept on it, not bind the port itself`);
      try {
        writeLock(lockFile, lockRecord(0, 'unknown', supervisorStarted));
      } catch (error) {
        return sendBack({ type: 'process.spawnFailed', error: { ...lockFailure(error), retryable: false } } satisfies ProcessEvent);
      }
      const { child, failure } = spawnBackend(tools, options, args, env, socket?.fd, windows);
      if (child.pid !== undefined) recordLaunch(tools, child.pid, launchLog, supervisorStarted);
      child.stdout?.on('data', (chunk: Buffer) => launchLog.write('stdout', chunk));
      child.stderr?.on('data', (chunk: Buffer) => launchLog.write('stderr', chunk));
      // stdio is null when the spawn failed for lack of file descriptors (EMFILE): failure reports it
      onNotifyLines(child.stdio?.[notifyFd] as Readable | undefined, (line) => {
        const message = parseNotifyLine(line);
        if (message.kind === 'ready') {
          progress.flush();
          noteDroppedProgress();
          launchLog.note('backend notified READY=1');
          hints.emit('ready', instanceId);
        } else if (message.kind === 'status') {
          progress.push(launchLog.redact(message.text));
        } else if (message.kind === 'extend') {
          // the wait counts its cap from the launch; this is the same moment, give or take the spawn
          const beyond = Date.now() + message.ms - (launchedAt + options.health.maxStartupMs);
          const clamped = beyond > 0 ? `; clamped by health.maxStartupMs (${options.health.maxStartupMs} ms after the launch)` : '';
          launchLog.note(`backend asked for ${message.ms} ms more to start${clamped}`);
          hints.emit('extend', instanceId, message.ms);
        } else {
          launchLog.note(`ignored notification line: ${JSON.stringify(line.slice(0, 200))}`);
        }
      }, (start) => launchLog.note(`ignored a notification line of more than 4096 characters: ${JSON.stringify(`${start}…`)}`));
      // 'exit', not 'close' or the result promise: a grandchild holding the pipes must not hide the exit
      child.once('exit', (exitCode, signal) => {
        if (pgid === undefined || released) return; // never spawned (failure says why), or nobody listens any more
        exited = true;
        progress.dispose();
        noteDroppedProgress();
        forgetGroup();
        dismissGuard();
        void drained(child, outputDrainMs).then(async () => {
          launchLog.note(`exited with ${signal ? `signal ${signal}` : `code ${exitCode}`}`);
          await launchLog.flush();
          const exit = { exitCode, signal, logFile: launchLog.path, outputTail: launchLog.tail(), addressInUse: launchLog.addressInUse };
          sendBack({ type: 'process.exited', ...exit } satisfies ProcessEvent);
        });
      });
      void failure.then((error) => {
        // a pid known only now (execa on Windows may report it at its 'spawn' event)
        if (!error && pgid === undefined && child.pid !== undefined && !released) return recordLaunch(tools, child.pid, launchLog, supervisorStarted);
        if (!error || pgid !== undefined) return;
        removeLock(lockFile); // nothing was born: the record written before the spawn names no one
        if (released) return;
        launchLog.note(`spawn failed: ${error.message ?? error.code ?? 'unknown error'}`);
        sendBack(spawnFailure(error, options, launchLog.path));
      });
    };

    const begin = (tools: SpawnTools, supervisorStarted: string) => {
      if (released) return; // stopped while the module was loading: nothing was born
      try {
        log = openLaunchLog(folders.logDir, options.name, instanceId, options.logMaxBytes, apiKey ? [apiKey] : []);
      } catch (error) {
        return sendBack(logFailure(error, options));
      }
      try {
        launch(tools, log, supervisorStarted);
      } catch (error) {
        // a defect in the launch itself, or a spawn refused for lack of file descriptors: like a command that could not be started
        if (pgid === undefined) removeLock(lockFile);
        log.note(`spawn failed: ${error instanceof Error ? error.message : String(error)}`);
        sendBack(spawnFailure(error, options, log.path));
      }
    };
    // an installation without execa is reported, not an unhandled rejection
    Promise.all([loadSpawnTools(), prepareGroups(), supervisorStartTime()]).then(([tools, , started]) => begin(tools, started), (error: unknown) => {
      if (!released) sendBack(spawnFailure(error, options, undefined));
    });

    return () => {
      released = true;
      clearTimeout(termTimer);
      progress.dispose();
      noteDroppedProgress();
      // the launch is over: a restart may bind this port again (a handoff socket keeps it until the supervisor stops)
      if (!socket) releasePort(options.host, input.port);
      forgetGroup();
      dismissGuard();
      if (pgid !== undefined && !exited) {
        // EPERM (a member changed its user) is only logged: the reap that follows names the survivors
        signalSafely(pgid, 'SIGKILL');
        forgetInstance(instanceId);
      }
      // a launch released before its spawn (or whose spawn failed) leaves no record behind
      if (pgid === undefined) removeLock(lockFile);
      void log?.close();
    };
  };
}
