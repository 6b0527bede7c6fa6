import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import type { ResolvedOptions } from './options.js';
import type { backendEnv } from './spawn-helpers.js';

type ExecaModule = typeof import('execa');

// Windows only: execa resolves commands there (PATHEXT, `.cmd` shims). POSIX spawns with Node's
// own child_process: importing execa costs ~100–250 ms, which a cold start would wait for.
let execaModule: Promise<ExecaModule> | undefined;
/** execa, loaded once, on first use (Windows launches only). */
export const loadExeca = () => {
  execaModule ??= import('execa');
  return execaModule;
};

/** Why a command could not be started: its error code and message. */
export interface SpawnError {
  code?: string | undefined;
  message?: string | undefined;
}

/** The subprocess of one launch, and how its start failed (resolves undefined once it runs). */
export interface BackendProcess {
  child: ChildProcess;
  /** Settles once: undefined when the process started, else why it could not. */
  failure: Promise<SpawnError | undefined>;
}

/** What a launch needs to spawn: execa on Windows, nothing on POSIX. */
export type SpawnTools = { execa?: ExecaModule['execa'] };

/** Loads what `spawnBackend` needs on this platform (nothing on POSIX). */
export async function loadSpawnTools(): Promise<SpawnTools> {
  return process.platform === 'win32' ? { execa: (await loadExeca()).execa } : {};
}

/** How the start of a Node ChildProcess ends: its 'spawn' event, or the 'error' that replaces it. */
function startOutcome(child: ChildProcess): Promise<SpawnError | undefined> {
  return new Promise((resolve) => {
    // a later 'error' (a failed kill) must never crash the host: this listener stays
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code, message: error.message }));
    child.once('spawn', () => resolve(undefined));
  });
}

/**
 * Spawns the backend: no shell, no console window on Windows, output streamed (never buffered:
 * the launch log reads it), fd 3 as the notification pipe, fd 4 as the listening socket in
 * handoff mode, and its own process group so stop signals reach its children. On POSIX the pid
 * is known when this returns, so the launch can be recorded before anything else runs. A command
 * that cannot be started is reported by `failure`, never thrown (only a defect throws).
 */
export function spawnBackend(tools: SpawnTools, options: ResolvedOptions, args: string[], env: ReturnType<typeof backendEnv>, listeningSocket?: number): BackendProcess {
  // fd 3 is the notification pipe (BACKEND_NOTIFY_FD), fd 4 the handed-over socket (BACKEND_LISTEN_FD)
  const stdio: StdioOptions = listeningSocket === undefined ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', 'pipe', listeningSocket];
  if (!tools.execa) {
    const child = spawn(options.command, args, { cwd: options.cwd, env, detached: true, stdio, windowsHide: true });
    return { child, failure: startOutcome(child) };
  }
  // execa's types list only fds 3–9 of the parent; at run time it hands any fd to child_process, which dup2()s it
  const subprocess = tools.execa(options.command, args, {
    cwd: options.cwd,
    env,
    extendEnv: false,
    detached: true,
    stdio: stdio as ['ignore', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    // the launch's own state and exit hook stop the group; execa must not kill it behind our back
    cleanup: false,
    windowsHide: true,
  });
  const failure = subprocess.then((result) => (result.failed && subprocess.pid === undefined ? { code: result.code, message: result.shortMessage } : undefined));
  // execa's promise settles only at the exit: a started process answers at its 'spawn' event
  const started = new Promise<undefined>((resolve) => subprocess.once('spawn', () => resolve(undefined)));
  return { child: subprocess, failure: Promise.race([started, failure]) };
}
