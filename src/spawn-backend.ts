import type { ResolvedOptions } from './options.js';
import type { backendEnv } from './spawn-helpers.js';
import type { WindowsLaunch } from './windows-command.js';
import { withSpawnLimits } from './spawn-limits.js';

// loaded with the first launch: importing the package should not pay for execa (~100 ms)
let execaModule: Promise<typeof import('execa')> | undefined;
/** execa, loaded once, on first use. */
export const loadExeca = () => {
  execaModule ??= import('execa');
  return execaModule;
};

/**
 * Spawns the backend with execa: command resolution across platforms (PATHEXT, `.cmd` shims),
 * no shell, no console window on Windows, output streamed (never buffered: the launch log reads
 * it), fd 3 as the notification pipe, fd 4 as the listening socket in handoff mode, and its own process group so stop signals reach its children.
 * A command that cannot be started is reported by the promise (`failed`, `code`), never thrown.
 * On Windows `windows` says what to start (see `windowsLaunch`: a batch file through cmd.exe, its arguments quoted by us).
 * A command that cannot be started is reported by the promise (`failed`, `code`); only a spawn refused
 * for lack of file descriptors throws (`code` EMFILE or ENFILE), and never crashes the host.
 */
export function spawnBackend(
  execa: (typeof import('execa'))['execa'],
  options: ResolvedOptions,
  args: string[],
  env: ReturnType<typeof backendEnv>,
  listeningSocket?: number,
  windows?: WindowsLaunch,
) {
  // fd 3 is the notification pipe (BACKEND_NOTIFY_FD), fd 4 the handed-over socket (BACKEND_LISTEN_FD)
  // execa's types list only fds 3–9 of the parent; at run time it hands any fd to child_process, which dup2()s it
  const socketFd = listeningSocket as 3 | undefined;
  const stdio = socketFd === undefined ? (['ignore', 'pipe', 'pipe', 'pipe'] as const) : (['ignore', 'pipe', 'pipe', 'pipe', socketFd] as const);
  // out of file descriptors, this throws { code: 'EMFILE' } (reported as SPAWN_FAILED) instead of crashing the host
  return withSpawnLimits(() =>
    execa(windows?.file ?? options.command, windows?.args ?? args, {
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
}

/** The subprocess of one launch: a ChildProcess whose promise says how it ended (it never rejects). */
export type BackendProcess = ReturnType<typeof spawnBackend>;
