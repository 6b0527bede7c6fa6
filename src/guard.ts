import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { platform, processStartTime } from './process-group.js';
import type { SpawnTools } from './spawn-backend.js';

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
function windowsGuard(execa: Execa, pid: number) {
  const identity = processStartTime(pid);
  if (identity === undefined) return undefined; // already gone: nothing to guard
  const program = fileURLToPath(new URL('./windows-guard.js', import.meta.url));
  return execa(process.execPath, [program, String(pid), identity], { ...guardOptions, env: { ELECTRON_RUN_AS_NODE: '1' } });
}

/**
 * Starts the guard of one backend: a process that ends the backend's group if this supervisor
 * dies without stopping it. Returns the function that dismisses it. Synchronous: a launch starts
 * its guard before its first await, so no moment exists where the backend runs unguarded.
 */
export function startGuard(tools: SpawnTools, pgid: number, instanceId: string, graceMs: number): () => void {
  const identityCheck = platform().shellIdentityCheck;
  const guard = identityCheck === undefined ? windowsGuard(tools.execa, pgid) : posixGuard(tools.execa, pgid, instanceId, graceMs, identityCheck);
  if (!guard) return () => {};
  guard.unref();
  (guard.stdin as Socket | null)?.unref();
  return () => {
    guard.kill('SIGKILL');
  };
}
