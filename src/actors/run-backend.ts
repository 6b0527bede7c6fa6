import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fromCallback } from 'xstate';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { type LaunchLog, openLaunchLog } from '../log-file.js';
import { lockPath, writeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { groupMembers, processStartTime, signalGroup } from '../process-group.js';
import { backendEnv, drained, expandArgs, notifyFd, outputDrainMs, spawnFailure } from '../spawn-helpers.js';
import type { ReadinessHints } from './readiness-hints.js';

// execa costs ~130 ms to import: load it with the first launch, not with the package
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => {
  execaModule ??= import('execa');
  return execaModule;
};

/**
 * The process actor: spawns the backend in its own process group, logs its output, reports
 * `process.spawned` / `process.exited`, signals the group on request, and SIGKILLs whatever is
 * left of the group when it is stopped (the state that owns it was left) or when Node exits.
 */
export function createRunBackend(options: ResolvedOptions, apiKey: string | false, hints: ReadinessHints) {
  return fromCallback<ProcessControlEvent, RunBackendInput>(({ input, sendBack, receive }) => {
    const instanceId = randomUUID();
    const log: LaunchLog = openLaunchLog(options.logDir, options.name, instanceId, options.logMaxBytes, apiKey ? [apiKey] : []);
    const args = expandArgs(options.args, input.port, options.host);
    let pgid: number | undefined;
    let exited = false;
    let released = false;
    let pendingSignal: NodeJS.Signals | undefined;
    const killOnExit = () => {
      if (pgid !== undefined && !exited) signalGroup(pgid, 'SIGKILL');
    };
    receive((event) => {
      if (event.type !== 'process.signal') return;
      if (pgid === undefined) pendingSignal = event.signal;
      else if (groupMembers(pgid).length > 0) signalGroup(pgid, event.signal);
    });

    const launch = ({ execa }: typeof import('execa')) => {
      if (released) return; // stopped while execa was loading: nothing was born
      log.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${input.port}`);
      const child = execa(options.command, args, {
        cwd: options.cwd,
        env: backendEnv(options, apiKey, input.port, instanceId),
        extendEnv: true,
        detached: true,
        cleanup: false,
        buffer: false,
        reject: false,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        forceKillAfterDelay: false,
      });
      child.stdout?.on('data', (chunk: Buffer) => log.write('stdout', chunk));
      child.stderr?.on('data', (chunk: Buffer) => log.write('stderr', chunk));
      const notifications = child.stdio[notifyFd] as Readable | undefined;
      notifications?.on('data', (chunk: Buffer) => {
        if (!chunk.toString().includes('READY=1')) return;
        log.note('backend notified READY=1');
        hints.emit('ready', instanceId);
      });
      child.once('spawn', () => {
        pgid = child.pid;
        if (pgid === undefined) return;
        process.once('exit', killOnExit);
        writeLock(lockPath(options.stateDir, options.name), {
          pid: pgid,
          pgid,
          startTime: processStartTime(pgid) ?? 'unknown',
          instanceId,
          supervisorPid: process.pid,
          supervisorStartTime: processStartTime(process.pid) ?? 'unknown',
          port: input.port,
        });
        sendBack({ type: 'process.spawned', pid: pgid, instanceId, logFile: log.path } satisfies ProcessEvent);
        if (pendingSignal) signalGroup(pgid, pendingSignal);
      });
      // 'exit', not 'close' or the result promise: a grandchild holding the pipes must not hide the exit
      child.once('exit', (exitCode, signal) => {
        if (pgid === undefined) return; // never spawned: the result below reports why
        exited = true;
        process.off('exit', killOnExit);
        void drained(child, outputDrainMs).then(() => {
          log.note(`exited with ${signal ? `signal ${signal}` : `code ${exitCode}`}`);
          const exit = { exitCode, signal, logFile: log.path, outputTail: log.tail(), addressInUse: log.addressInUse };
          sendBack({ type: 'process.exited', ...exit } satisfies ProcessEvent);
        });
      });
      child.then((result) => {
        if (pgid === undefined && result.failed) {
          log.note(`spawn failed: ${(result as { code?: string }).code ?? result.shortMessage}`);
          sendBack(spawnFailure(result, options, log.path));
        }
      });
    };
    void loadExeca().then(launch);

    return () => {
      released = true;
      process.off('exit', killOnExit);
      if (pgid !== undefined && !exited) signalGroup(pgid, 'SIGKILL');
      void log.close();
    };
  });
}
