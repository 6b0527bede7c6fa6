import { setTimeout as sleep } from 'node:timers/promises';
import type { ReapGroupInput } from '../../machines/events.js';
import { BackendError } from '../errors.js';
import { forgetInstance } from '../disk/live-instances.js';
import { lockPath, removeLock } from '../disk/lockfile.js';
import type { ResolvedOptions } from '../options/options.js';
import { descriptorShortage, stopFamily } from '../process/process-group.js';
import { isPortFree } from './allocate-port.js';
import type { VerifiedFolders } from './prepare-directories.js';
import type { PromiseWork } from './work.js';

const portReleaseMs = 1_000;

// A stop that fails keeps the lock, and this process no longer counts the launch as its own live
// one: the next start's reap (in this process too) looks for what is left.
function stopFailed(input: ReapGroupInput, error: unknown): unknown {
  if (input.instanceId !== undefined) forgetInstance(input.instanceId);
  return error;
}

/** A look for the family that could not be made: STOP_FAILED naming the limit when descriptors ran out. */
function familyUnreadable(error: unknown, pgid: number): unknown {
  const why = descriptorShortage(error);
  if (why === undefined) return error;
  return new BackendError({
    code: 'STOP_FAILED',
    message: `Could not confirm that the backend's processes (group ${pgid}) are gone: ${why}`,
    details: { pgid, reason: (error as NodeJS.ErrnoException).code ?? null },
  });
}

/**
 * Confirms a backend is really gone: the leader has exited, but grandchildren in its group may
 * live on (and hold the port). They get SIGTERM, then SIGKILL after the grace period; then the
 * port must be free. Members that left the group (setsid) are found by the instance id in their
 * environment (Linux). Only our own processes are signalled; a foreign one on the port is left alone.
 */
export function createReapGroup(options: ResolvedOptions, folders: VerifiedFolders): PromiseWork<void, ReapGroupInput> {
  return async ({ input, signal }) => {
    if (input.pgid === undefined) return;
    let survivors: number[];
    try {
      survivors = await stopFamily(input.pgid, input.instanceId, input.graceMs, signal);
    } catch (error) {
      throw stopFailed(input, familyUnreadable(error, input.pgid));
    }
    if (survivors.length > 0) {
      throw stopFailed(
        input,
        new BackendError({
          code: 'STOP_FAILED',
          message: `Backend processes ${survivors.join(', ')} (group ${input.pgid}) survived SIGTERM and SIGKILL`,
          details: { pgid: input.pgid, pids: survivors.join(',') },
        }),
      );
    }
    if (input.instanceId !== undefined) {
      removeLock(lockPath(folders.stateDir, options.name, input.instanceId));
      forgetInstance(input.instanceId);
    }
    // a handed-over socket stays bound by the supervisor on purpose: there is nothing to wait for
    if (options.handoff) return;
    const deadline = Date.now() + portReleaseMs;
    while (input.port > 0 && !(await isPortFree(options.host, input.port)) && Date.now() < deadline && !signal.aborted) {
      await sleep(10);
    }
  };
}
