import type { Socket } from 'node:net';
import { platform } from './process-group.js';

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

/**
 * Starts the guard of one backend: a tiny `sh` process (no Node, ~1 MB) that stops the backend's
 * group if this supervisor dies without stopping it. Returns the function that dismisses it.
 */
export function startGuard(execa: (typeof import('execa'))['execa'], pgid: number, instanceId: string, graceMs: number): () => void {
  const graceSteps = Math.ceil(graceMs / 50); // the guard polls every 50 ms and leaves as soon as the group is gone
  const guard = execa('sh', ['-c', guardScript(platform().shellIdentityCheck), 'backend-lifecycle-guard', String(pgid), instanceId, String(graceSteps)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true, // its own group: a terminal's Ctrl-C to the supervisor must not take the guard with it
    buffer: false,
    reject: false, // no sh: the lockfile reaping on the next launch still covers us
    cleanup: false,
    windowsHide: true,
  });
  guard.unref();
  (guard.stdin as Socket | null)?.unref();
  return () => {
    guard.kill('SIGKILL');
  };
}
