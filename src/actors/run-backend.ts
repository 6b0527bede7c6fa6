import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { killGroupOnExit } from '../exit-hook.js';
import { startGuard } from '../guard.js';
import type { HandoffSocket } from '../handoff-socket.js';
import { listenFd } from '../listen-fd.js';
import { forgetInstance, rememberInstance } from '../live-instances.js';
import { type LaunchLog, openLaunchLog } from '../log-file.js';
import { lockPath, removeLock, writeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { describeFsError } from '../private-dir.js';
import { requestStop } from '../stop-request.js';
import { groupMembers, platform, processStartTime, signalGroup } from '../process-group.js';
import { backendEnv, drained, expandArgs, logFailure, notifyFd, outputDrainMs, spawnFailure } from '../spawn-helpers.js';
import { loadSpawnTools, type SpawnTools, spawnBackend } from '../spawn-backend.js';
import { findWindowsCommand } from '../windows-command.js';
import { releasePort } from './allocate-port.js';
import { onNotifyLines, parseNotifyLine, type ReadinessHints } from './readiness-hints.js';
import type { CallbackWork } from './work.js';

// the supervisor's own start time never changes: read once per process
let ownStartTime: string | undefined;
const supervisorStartTime = () => {
  ownStartTime ??= processStartTime(process.pid) ?? 'unknown';
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
    const deliver = (signal: NodeJS.Signals) => {
      if (pgid === undefined) pendingSignal = signal;
      // POSIX: kill(-pgid) itself answers ESRCH for a group that is gone, so no process scan first
      else if (platform().gracefulSignals || groupMembers(pgid).length > 0) signalGroup(pgid, signal);
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
      const request = options.shutdown.request;
      if (event.signal === 'SIGTERM' && request && pgid !== undefined && !stopRequested) return askToStop(request);
      clearTimeout(termTimer);
      deliver(event.signal);
    });

    const lockFile = lockPath(options.stateDir, options.name, instanceId);
    // pid 0 before the spawn (the instance id alone finds the backend), the real one right after
    const lockRecord = (pid: number) => ({
      pid,
      pgid: pid,
      startTime: (pid > 0 ? processStartTime(pid) : undefined) ?? 'unknown',
      instanceId,
      supervisorPid: process.pid,
      supervisorStartTime: supervisorStartTime(),
      port: input.port,
      platform: platform().name,
    });
    const lockFailure = (error: unknown) => {
      // without its lock a force-quit would orphan the backend for good: this launch cannot go on
      const message = `Backend server cannot be supervised safely - its lockfile in ${options.stateDir} cannot be written: ${describeFsError(error)}`;
      log?.note(message);
      return { code: 'SPAWN_FAILED', message, details: { stateDir: options.stateDir } } as const;
    };

    // Everything that lets a later launch or the guard reap this backend, before the first await
    // after spawn() returned: a host SIGKILLed from here on leaves a lock naming the pid.
    const recordLaunch = (tools: SpawnTools, pid: number, launchLog: LaunchLog) => {
      pgid = pid;
      rememberInstance(instanceId);
      let unlocked: unknown;
      try {
        writeLock(lockFile, lockRecord(pid));
      } catch (error) {
        unlocked = error ?? 'unknown error';
      }
      forgetGroup = killGroupOnExit(pid);
      if (options.guard) dismissGuard = startGuard(tools, pid, instanceId, options.shutdown.graceMs);
      sendBack({ type: 'process.spawned', pid, instanceId, logFile: launchLog.path } satisfies ProcessEvent);
      if (unlocked !== undefined) sendBack({ type: 'process.failed', error: lockFailure(unlocked) } satisfies ProcessEvent);
      if (pendingSignal) signalGroup(pid, pendingSignal);
      onSpawned?.();
    };

    const launch = (tools: SpawnTools, launchLog: LaunchLog) => {
      const launchedAt = Date.now();
      launchLog.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${input.port}`);
      const env = backendEnv(options, apiKey, input.port, instanceId);
      if (process.platform === 'win32' && findWindowsCommand(options.command, options.cwd, env) === undefined) {
        launchLog.note(`spawn failed: ${options.command} is not a file in ${options.cwd} or on PATH (with PATHEXT)`);
        return sendBack(spawnFailure({ code: 'ENOENT' }, options, launchLog.path));
      }
      if (socket && (socket.fd === undefined || socket.port !== input.port)) throw new Error(`no handoff socket is held for port ${input.port}`);
      if (socket) launchLog.note(`handing over the socket listening on ${options.host}:${input.port} as fd ${listenFd} (BACKEND_LISTEN_FD); the backend must accept on it, not bind the port itself`);
      try {
        writeLock(lockFile, lockRecord(0));
      } catch (error) {
        return sendBack({ type: 'process.spawnFailed', error: { ...lockFailure(error), retryable: false } } satisfies ProcessEvent);
      }
      const { child, failure } = spawnBackend(tools, options, args, env, socket?.fd);
      if (child.pid !== undefined) recordLaunch(tools, child.pid, launchLog);
      child.stdout?.on('data', (chunk: Buffer) => launchLog.write('stdout', chunk));
      child.stderr?.on('data', (chunk: Buffer) => launchLog.write('stderr', chunk));
      // stdio is null when the spawn failed for lack of file descriptors (EMFILE): failure reports it
      onNotifyLines(child.stdio?.[notifyFd] as Readable | undefined, (line) => {
        const message = parseNotifyLine(line);
        if (message.kind === 'ready') {
          launchLog.note('backend notified READY=1');
          hints.emit('ready', instanceId);
        } else if (message.kind === 'status') {
          launchLog.note(`backend status: ${message.text}`);
          sendBack({ type: 'process.progress', detail: message.text } satisfies ProcessEvent);
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
        if (!error && pgid === undefined && child.pid !== undefined && !released) return recordLaunch(tools, child.pid, launchLog);
        if (!error || pgid !== undefined) return;
        removeLock(lockFile); // nothing was born: the record written before the spawn names no one
        if (released) return;
        launchLog.note(`spawn failed: ${error.message ?? error.code ?? 'unknown error'}`);
        sendBack(spawnFailure(error, options, launchLog.path));
      });
    };

    const begin = (tools: SpawnTools) => {
      if (released) return; // stopped while the module was loading: nothing was born
      try {
        log = openLaunchLog(options.logDir, options.name, instanceId, options.logMaxBytes, apiKey ? [apiKey] : []);
      } catch (error) {
        return sendBack(logFailure(error, options));
      }
      try {
        launch(tools, log);
      } catch (error) {
        // a defect in the launch itself: report it like a command that could not be started
        if (pgid === undefined) removeLock(lockFile);
        log.note(`spawn failed: ${error instanceof Error ? error.message : String(error)}`);
        sendBack(spawnFailure(error, options, log.path));
      }
    };
    // an installation without execa (Windows) is reported, not an unhandled rejection
    loadSpawnTools().then(begin, (error: unknown) => {
      if (!released) sendBack(spawnFailure(error, options, undefined));
    });

    return () => {
      released = true;
      clearTimeout(termTimer);
      // the launch is over: a restart may bind this port again (a handoff socket keeps it until the supervisor stops)
      if (!socket) releasePort(options.host, input.port);
      forgetGroup();
      dismissGuard();
      if (pgid !== undefined && !exited) {
        try {
          signalGroup(pgid, 'SIGKILL');
        } catch {
          // EPERM: a member changed its user; the reap that follows names the survivors
        }
        forgetInstance(instanceId);
      }
      // a launch released before its spawn (or whose spawn failed) leaves no record behind
      if (pgid === undefined) removeLock(lockFile);
      void log?.close();
    };
  };
}
