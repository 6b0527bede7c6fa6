import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { killGroupOnExit } from '../exit-hook.js';
import { startGuard } from '../guard.js';
import type { HandoffSocket } from '../handoff-socket.js';
import { listenFd } from '../listen-fd.js';
import { forgetInstance, rememberInstance } from '../live-instances.js';
import { type LaunchLog, openLaunchLog } from '../log-file.js';
import { lockPath, writeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { describeFsError } from '../private-dir.js';
import { requestStop } from '../stop-request.js';
import { groupMembers, platform, processStartTime, signalGroup } from '../process-group.js';
import { backendEnv, drained, expandArgs, logFailure, notifyFd, outputDrainMs, spawnFailure } from '../spawn-helpers.js';
import { loadExeca, spawnBackend } from '../spawn-backend.js';
import { findWindowsCommand } from '../windows-command.js';
import { releasePort } from './allocate-port.js';
import { onNotifyLines, parseNotifyLine, type ReadinessHints } from './readiness-hints.js';
import type { CallbackWork } from './work.js';

/**
 * The process actor: spawns the backend in its own process group, logs its output, reports
 * `process.spawned` / `process.exited`, signals the group on request, and SIGKILLs whatever is
 * left of the group when it is stopped (the state that owns it was left) or when Node exits.
 * Nothing in it may throw past it: every failure becomes an event.
 */
export function createRunBackend(
  options: ResolvedOptions,
  apiKey: string | false,
  hints: ReadinessHints,
  socket?: HandoffSocket,
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

    const recordLock = (pid: number) => {
      try {
        writeLock(lockPath(options.stateDir, options.name, instanceId), {
          pid,
          pgid: pid,
          startTime: processStartTime(pid) ?? 'unknown',
          instanceId,
          supervisorPid: process.pid,
          supervisorStartTime: processStartTime(process.pid) ?? 'unknown',
          port: input.port,
          platform: platform().name,
        });
      } catch (error) {
        // without its lock a force-quit would orphan the backend for good: this launch cannot go on
        const message = `Backend server cannot be supervised safely - its lockfile in ${options.stateDir} cannot be written: ${describeFsError(error)}`;
        log?.note(message);
        sendBack({ type: 'process.failed', error: { code: 'SPAWN_FAILED', message, details: { stateDir: options.stateDir } } } satisfies ProcessEvent);
      }
    };

    const launch = ({ execa }: typeof import('execa'), launchLog: LaunchLog) => {
      const launchedAt = Date.now();
      launchLog.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${input.port}`);
      const env = backendEnv(options, apiKey, input.port, instanceId);
      if (process.platform === 'win32' && findWindowsCommand(options.command, options.cwd, env) === undefined) {
        launchLog.note(`spawn failed: ${options.command} is not a file in ${options.cwd} or on PATH (with PATHEXT)`);
        return sendBack(spawnFailure({ code: 'ENOENT' }, options, launchLog.path));
      }
      if (socket && (socket.fd === undefined || socket.port !== input.port)) throw new Error(`no handoff socket is held for port ${input.port}`);
      if (socket) launchLog.note(`handing over the socket listening on ${options.host}:${input.port} as fd ${listenFd} (BACKEND_LISTEN_FD); the backend must accept on it, not bind the port itself`);
      const child = spawnBackend(execa, options, args, env, socket?.fd);
      child.stdout?.on('data', (chunk: Buffer) => launchLog.write('stdout', chunk));
      child.stderr?.on('data', (chunk: Buffer) => launchLog.write('stderr', chunk));
      onNotifyLines(child.stdio[notifyFd] as Readable | undefined, (line) => {
        const message = parseNotifyLine(line);
        if (message.kind === 'ready') {
          launchLog.note('backend notified READY=1');
          hints.emit('ready', instanceId);
        } else if (message.kind === 'status') {
          launchLog.note(`backend status: ${message.text}`);
          sendBack({ type: 'process.progress', detail: launchLog.redact(message.text) } satisfies ProcessEvent);
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
      child.once('spawn', () => {
        pgid = child.pid;
        if (pgid === undefined) return;
        if (released) {
          // the launch ended between spawn() and its 'spawn' event: nobody else will stop this one
          signalGroup(pgid, 'SIGKILL');
          return;
        }
        rememberInstance(instanceId);
        forgetGroup = killGroupOnExit(pgid);
        if (options.guard) dismissGuard = startGuard(execa, pgid, instanceId, options.shutdown.graceMs);
        sendBack({ type: 'process.spawned', pid: pgid, instanceId, logFile: launchLog.path } satisfies ProcessEvent);
        recordLock(pgid);
        if (pendingSignal) signalGroup(pgid, pendingSignal);
      });
      // 'exit', not 'close' or the result promise: a grandchild holding the pipes must not hide the exit
      child.once('exit', (exitCode, signal) => {
        if (pgid === undefined || released) return; // never spawned (execa's result says why), or nobody listens any more
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
      // execa settles its promise (never rejecting) with why a command could not be started
      void child.then((result) => {
        if (pgid !== undefined || !result.failed) return;
        launchLog.note(`spawn failed: ${result.shortMessage ?? result.code ?? 'unknown error'}`);
        sendBack(spawnFailure({ code: result.code, message: result.shortMessage }, options, launchLog.path));
      });
    };

    const begin = (execaModule: typeof import('execa')) => {
      if (released) return; // stopped while the module was loading: nothing was born
      try {
        log = openLaunchLog(options.logDir, options.name, instanceId, options.logMaxBytes, apiKey ? [apiKey] : []);
      } catch (error) {
        return sendBack(logFailure(error, options));
      }
      try {
        launch(execaModule, log);
      } catch (error) {
        // a defect in the launch itself: report it like a command that could not be started
        log.note(`spawn failed: ${error instanceof Error ? error.message : String(error)}`);
        sendBack(spawnFailure(error, options, log.path));
      }
    };
    // an installation without execa is reported, not an unhandled rejection
    loadExeca().then(begin, (error: unknown) => {
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
      void log?.close();
    };
  };
}
