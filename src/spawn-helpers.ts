import type { Readable } from 'node:stream';
import type { ProcessEvent } from '../machines/events.js';
import type { ResolvedOptions } from './options.js';

/** The fd on which a backend may write READY=1 (s6-style readiness notification). */
export const notifyFd = 3;

// a crash's last words (a traceback) may still be in the pipes when 'exit' fires
export const outputDrainMs = 100;

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
    // s6-style readiness notification: a backend may write "READY=1\n" to this fd once it serves
    BACKEND_NOTIFY_FD: String(notifyFd),
  };
  if (apiKey !== false) env.BACKEND_API_KEY = apiKey;
  return env;
}

/** The SPAWN_FAILED event for a command that could not be started. */
export function spawnFailure(error: unknown, options: ResolvedOptions, logFile: string): ProcessEvent {
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

