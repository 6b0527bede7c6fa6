import type { Readable } from 'node:stream';
import type { ProcessEvent } from '../../machines/events.js';
import { listenFd } from '../net/listen-fd.js';
import type { ResolvedOptions } from '../options/options.js';
import { describeFsError } from '../disk/private-dir.js';
import { setVariable } from './windows-command.js';
import { limitExplanations } from '../platform/spawn-limits.js';

/** The fd on which a backend may write READY=1 (s6-style readiness notification). */
export const notifyFd = 3;

// a crash's last words (a traceback) may still be in the pipes when 'exit' fires; on a loaded machine a few
// hundred KB of output take more than 100 ms to read (the Node 22 lane reported the wrong last line so). The
// pipes close with the process, so the wait is this long only when a grandchild holds them open
export const outputDrainMs = 500;

/** Resolves when the child's output pipes have closed, or after `timeoutMs`. */
export function drained(child: { stdout: Readable | null; stderr: Readable | null }, timeoutMs: number): Promise<void> {
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

/** Substitutes `{port}`, `{host}` and (in handoff mode) `{fd}` in the argument templates. */
export function expandArgs(args: readonly string[], port: number, host: string): string[] {
  return args.map((arg) => arg.replaceAll('{port}', String(port)).replaceAll('{host}', host).replaceAll('{fd}', String(listenFd)));
}

/**
 * The backend's whole environment: ours, then `options.env` (where `undefined` removes an inherited
 * variable), then what every backend receives (port, host, key, instance id, parent pid, notify fd).
 * On Windows names are case-insensitive: `{ PATH: … }` replaces an inherited `Path`.
 */
export function backendEnv(options: ResolvedOptions, apiKey: string | false, port: number, instanceId: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries({ ...options.env, ...options.linkedEnv?.() })) setVariable(env, name, value);
  env.BACKEND_PORT = String(port);
  env.BACKEND_HOST = options.host;
  env.BACKEND_INSTANCE_ID = instanceId;
  env.BACKEND_PARENT_PID = String(process.pid);
  // s6-style readiness notification: a backend may write "READY=1\n" to this fd once it serves
  env.BACKEND_NOTIFY_FD = String(notifyFd);
  // handoff: the listening socket is already there; never inherited from a supervisor above us
  if (options.handoff) env.BACKEND_LISTEN_FD = String(listenFd);
  else delete env.BACKEND_LISTEN_FD;
  // a supervisor that is itself a backend must not hand its own key down
  if (apiKey === false) delete env.BACKEND_API_KEY;
  else env.BACKEND_API_KEY = apiKey;
  return env;
}

/** The SPAWN_FAILED event for a command that could not be started (execa's `code` and `shortMessage`, or an Error). */
export function spawnFailure(error: unknown, options: ResolvedOptions, logFile: string | undefined): ProcessEvent {
  const { code, message: detail } = error as { code?: unknown; message?: unknown };
  const cause = typeof code === 'string' ? code : typeof detail === 'string' ? detail : String(error);
  const command = JSON.stringify(options.command);
  // a bare name is looked up on PATH, and an app started from the desktop has the system's minimal PATH, not the shell's
  const bare = !/[\\/]/.test(options.command);
  const notFound = bare
    ? `command ${command} was not found on PATH (cwd ${options.cwd}); an app started from Finder, Explorer or a desktop launcher gets the system's minimal PATH, not your shell's: give the command's absolute path, or ship the backend with the app (resolveBackendCommand)`
    : `command ${command} was not found (cwd ${options.cwd})`;
  const why =
    code === 'ENOENT'
      ? notFound
      : code === 'EACCES'
        ? `command ${command} is not executable (permission denied)`
        : typeof code === 'string' && code in limitExplanations
          ? `could not run ${command}: ${limitExplanations[code]}`
          : `could not run ${command}: ${cause}`;
  const message = `Backend server failed to start - ${why}${logFile ? `. Log: ${logFile}` : ''}`;
  const details = { cause, ...(typeof detail === 'string' ? { detail } : {}) };
  return { type: 'process.spawnFailed', error: { code: 'SPAWN_FAILED', message, ...(logFile ? { logFile } : {}), details, retryable: false } };
}


/** The SPAWN_FAILED event for a launch whose log file cannot be opened (nothing was spawned). */
export function logFailure(error: unknown, options: ResolvedOptions): ProcessEvent {
  const message = `Backend server failed to start - its log file in ${options.logDir} cannot be written: ${describeFsError(error)}`;
  return { type: 'process.spawnFailed', error: { code: 'SPAWN_FAILED', message, details: { logDir: options.logDir }, retryable: false } };
}

/**
 * The event for a launch asked to stop before its spawn (a stop or restart came first): nothing
 * was born. The machine, already terminating, takes it as it takes a command that could not start
 * there: on to confirming that nothing is left, without recording an error.
 */
export function stoppedBeforeSpawn(options: ResolvedOptions): ProcessEvent {
  const message = `Backend server was not started - it was stopped before ${options.command} was spawned`;
  return { type: 'process.spawnFailed', error: { code: 'SPAWN_FAILED', message, details: { stoppedBeforeSpawn: true }, retryable: false } };
}
