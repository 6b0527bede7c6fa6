import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { fromCallback } from 'xstate';
import type { ProcessControlEvent, ProcessEvent, RunBackendInput } from '../../machines/events.js';
import { type LaunchLog, openLaunchLog } from '../log-file.js';
import { lockPath, writeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { groupMembers, processStartTime, signalGroup } from '../process-group.js';

// a crash's last words (a traceback) may still be in the pipes when 'exit' fires
const outputDrainMs = 100;

function drained(child: { stdout: Readable | null; stderr: Readable | null }, timeoutMs: number): Promise<void> {
  const ended = [child.stdout, child.stderr]
    .filter((stream): stream is Readable => stream !== null && !stream.readableEnded && !stream.closed && !stream.destroyed)
    .map((stream) => new Promise<void>((resolve) => stream.once('close', resolve).once('end', resolve)));
  if (ended.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void Promise.all(ended).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Substitutes `{port}` and `{host}` in the argument templates. */
export function expandArgs(args: readonly string[], port: number, host: string): string[] {
  return args.map((arg) => arg.replaceAll('{port}', String(port)).replaceAll('{host}', host));
}

/** The environment contract of DESIGN §2: what every backend receives. */
export function backendEnv(options: ResolvedOptions, apiKey: string | false, port: number, instanceId: string): Record<string, string> {
  const env: Record<string, string> = {
    ...options.env,
    BACKEND_PORT: String(port),
    BACKEND_HOST: options.host,
    BACKEND_INSTANCE_ID: instanceId,
    BACKEND_PARENT_PID: String(process.pid),
  };
  if (apiKey !== false) env.BACKEND_API_KEY = apiKey;
  return env;
}

function spawnFailure(error: unknown, options: ResolvedOptions, logFile: string): ProcessEvent {
  const code = (error as { code?: unknown }).code;
  const cause = typeof code === 'string' ? code : (error as Error).message;
  const why =
    code === 'ENOENT'
      ? `command "${options.command}" was not found (cwd ${options.cwd})`
      : code === 'EACCES'
        ? `command "${options.command}" is not executable (permission denied)`
        : `could not run "${options.command}": ${cause}`;
  return {
    type: 'process.spawnFailed',
    error: { code: 'SPAWN_FAILED', message: `Backend server failed to start - ${why}. Log: ${logFile}`, logFile, details: { cause }, retryable: false },
  };
}

/**
 * The process actor: spawns the backend in its own process group, logs its output, reports
 * `process.spawned` / `process.exited`, signals the group on request, and SIGKILLs whatever is
 * left of the group when it is stopped (the state that owns it was left) or when Node exits.
 */
export function createRunBackend(options: ResolvedOptions, apiKey: string | false) {
  return fromCallback<ProcessControlEvent, RunBackendInput>(({ input, sendBack, receive }) => {
    const instanceId = randomUUID();
    const log: LaunchLog = openLaunchLog(options.logDir, options.name, instanceId, options.logMaxBytes, apiKey ? [apiKey] : []);
    const args = expandArgs(options.args, input.port, options.host);
    log.note(`spawning ${options.command} ${JSON.stringify(args)} in ${options.cwd} on ${options.host}:${input.port}`);
    const child = execa(options.command, args, {
      cwd: options.cwd,
      env: backendEnv(options, apiKey, input.port, instanceId),
      extendEnv: true,
      detached: true,
      cleanup: false,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    let pgid: number | undefined;
    let exited = false;
    let pendingSignal: NodeJS.Signals | undefined;
    const killOnExit = () => {
      if (pgid !== undefined && !exited) signalGroup(pgid, 'SIGKILL');
    };

    child.stdout?.on('data', (chunk: Buffer) => log.write('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => log.write('stderr', chunk));
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

    receive((event) => {
      if (event.type !== 'process.signal') return;
      if (pgid === undefined) pendingSignal = event.signal;
      else if (groupMembers(pgid).length > 0) signalGroup(pgid, event.signal);
    });

    return () => {
      process.off('exit', killOnExit);
      if (pgid !== undefined && !exited) signalGroup(pgid, 'SIGKILL');
      void log.close();
    };
  });
}
