import type { ChildProcess } from 'node:child_process';
import type { ResolvedOptions } from '../options/options.js';
import type { backendEnv } from './spawn-helpers.js';
import { withSpawnLimits } from '../platform/spawn-limits.js';
import { loadExeca } from '../platform/load-execa.js';
import type { WindowsLaunch } from './windows-command.js';

type ExecaModule = typeof import('execa');

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

/** What a launch needs to spawn: execa. */
export type SpawnTools = { execa: ExecaModule['execa'] };

/** Loads what `spawnBackend` needs. */
export async function loadSpawnTools(): Promise<SpawnTools> {
  return { execa: (await loadExeca()).execa };
}

/**
 * Spawns the backend with execa: command resolution across platforms (PATHEXT, `.cmd` shims),
 * no shell, no console window on Windows, output streamed (never buffered: the launch log reads
 * it), fd 3 as the notification pipe, fd 4 as the listening socket in handoff mode, and its own
 * process group so stop signals reach its children. execa spawns synchronously: the pid is known
 * when this returns, so the launch can be recorded before anything else runs. A command that
 * cannot be started is reported by `failure`; only a spawn refused for lack of file descriptors
 * throws (`code` EMFILE or ENFILE), and never crashes the host. On Windows `windows` says what to
 * start (see `windowsLaunch`: a batch file through cmd.exe, its arguments quoted by us).
 */
export function spawnBackend(
  tools: SpawnTools,
  options: ResolvedOptions,
  args: string[],
  env: ReturnType<typeof backendEnv>,
  listeningSocket?: number,
  windows?: WindowsLaunch,
): BackendProcess {
  // fd 3 is the notification pipe (BACKEND_NOTIFY_FD), fd 4 the handed-over socket (BACKEND_LISTEN_FD)
  // execa's types list only fds 3–9 of the parent; at run time it hands any fd to child_process, which dup2()s it
  const socketFd = listeningSocket as 3 | undefined;
  const stdio = socketFd === undefined ? (['ignore', 'pipe', 'pipe', 'pipe'] as const) : (['ignore', 'pipe', 'pipe', 'pipe', socketFd] as const);
  // out of file descriptors, this throws { code: 'EMFILE' } (reported as SPAWN_FAILED) instead of crashing the host
  const subprocess = withSpawnLimits(() =>
    tools.execa(windows?.file ?? options.command, windows?.args ?? args, {
      windowsVerbatimArguments: windows?.verbatim ?? false,
      cwd: options.cwd,
      env,
      extendEnv: false,
      detached: true,
      stdio,
      buffer: false,
      reject: false,
      // the launch's own state and exit hook stop the group; execa must not kill it behind our back
      cleanup: false,
      windowsHide: true,
    }),
  );
  // execa settles its promise (never rejecting) with why a command could not be started, but only
  // at the exit: a started process answers at its 'spawn' event
  const failure = subprocess.then((result) => (result.failed && subprocess.pid === undefined ? { code: result.code, message: result.shortMessage } : undefined));
  const started = new Promise<undefined>((resolve) => subprocess.once('spawn', () => resolve(undefined)));
  return { child: subprocess, failure: Promise.race([started, failure]) };
}
