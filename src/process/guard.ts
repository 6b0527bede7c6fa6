import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { heldInJob } from '../platform/windows.js';
import { platform, processStartTime } from './process-group.js';
import type { SpawnTools } from './spawn-backend.js';
import { withSpawnLimits } from '../platform/spawn-limits.js';

// Waits on a pipe from the supervisor; the pipe closes only when the supervisor is gone (even by
// SIGKILL). Then it ends the backend's group, but only if the group leader still carries our
// instance id, so a recycled process group is never signalled. (dash's kill takes no '--'.)
const guardScript = (identityCheck: string) => `read _
if ${identityCheck}; then
  kill -TERM "-$1" 2>/dev/null
  i=0
  while kill -0 "-$1" 2>/dev/null && [ "$i" -lt "$3" ]; do sleep 0.05; i=$((i + 1)); done
  kill -KILL "-$1" 2>/dev/null
fi`;

type Execa = SpawnTools['execa'];

const guardOptions = {
  stdio: ['pipe', 'ignore', 'ignore'],
  detached: true, // its own group: a terminal's Ctrl-C to the supervisor must not take the guard with it
  buffer: false,
  reject: false, // no guard: the lockfile reaping on the next launch still covers us
  cleanup: false,
  windowsHide: true,
} as const;

/** POSIX: a tiny `sh` process (no Node, ~1 MB). */
function posixGuard(execa: Execa, pgid: number, instanceId: string, graceMs: number, identityCheck: string) {
  const graceSteps = Math.ceil(graceMs / 50); // the guard polls every 50 ms and leaves as soon as the group is gone
  return execa('sh', ['-c', guardScript(identityCheck), 'backend-lifecycle-guard', String(pgid), instanceId, String(graceSteps)], guardOptions);
}

/**
 * Windows has no `sh` and no signals: the guard is this runtime itself (Node, or Electron with
 * ELECTRON_RUN_AS_NODE) running windows-guard.js, which ends the backend's tree when the pipe closes.
 */
async function windowsGuard(execa: Execa, pid: number, note: (line: string) => void) {
  // the Job Object already ends the tree with this process, even on TerminateProcess: no guard needed
  if (heldInJob(pid)) return undefined;
  // a packaged Electron app may have its RunAsNode fuse off: ELECTRON_RUN_AS_NODE would start a second copy of the app
  if (process.versions.electron !== undefined && !(process as NodeJS.Process & { defaultApp?: boolean }).defaultApp) {
    note('guard: not started: a packaged Electron app may have its RunAsNode fuse off, and then the guard would start a second copy of the app (no Job Object holds the tree either)');
    return undefined;
  }
  const identity = await processStartTime(pid);
  if (identity === undefined) return undefined; // already gone, or the table is unreadable: nothing to guard by identity
  let program: string;
  try {
    program = fileURLToPath(new URL('./windows-guard.js', import.meta.url));
  } catch {
    // an app's bundler that emits CommonJS leaves import.meta empty: there is no file of ours to run
    note('guard: not started: backend-lifecycle was bundled into the app, so windows-guard.js is not beside it (no Job Object holds the tree either); keep backend-lifecycle out of the bundle (external) to have the guard');
    return undefined;
  }
  // wrapped: a subprocess is a thenable, which an async function would wait on until the guard exits
  return { started: withSpawnLimits(() => execa(process.execPath, [program, String(pid), identity], { ...guardOptions, env: { ELECTRON_RUN_AS_NODE: '1' } })) };
}

type GuardProcess = { kill(signal: NodeJS.Signals): boolean; unref(): void; stdin: unknown };

/**
 * Starts the guard of one backend: a process that ends the backend's group if this supervisor
 * dies without stopping it. Returns the function that dismisses it. On POSIX it is started
 * synchronously: a launch starts its guard before its first await, so the backend never runs unguarded.
 */
export function startGuard(tools: SpawnTools, pgid: number, instanceId: string, graceMs: number, note: (line: string) => void = () => {}): () => void {
  const { execa } = tools;
  const identityCheck = platform().shellIdentityCheck;
  let dismissed = false;
  let guard: GuardProcess | undefined;
  const hold = (started: GuardProcess | undefined) => {
    if (!started) return;
    if (dismissed) return void started.kill('SIGKILL');
    guard = started;
    started.unref();
    (started.stdin as Socket | null)?.unref();
  };
  // Windows learns the backend's identity first (a table read, asynchronous); a failure leaves it unguarded, never throws
  if (identityCheck === undefined) windowsGuard(execa, pgid, note).then((windows) => hold(windows?.started), () => {});
  else {
    try {
      hold(withSpawnLimits(() => posixGuard(execa, pgid, instanceId, graceMs, identityCheck)));
    } catch {
      // out of file descriptors: no guard (like reject: false above); the lockfile still lets the next launch reap it
    }
  }
  return () => {
    dismissed = true;
    guard?.kill('SIGKILL');
  };
}
