import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { ReapGroupInput } from '../../machines/events.js';
import { BackendError } from '../errors.js';
import { lockPath, readLock, removeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { groupMembers, processesOfInstance, terminateGroup, terminatePids } from '../process-group.js';
import { isPortFree } from './allocate-port.js';

const portReleaseMs = 1_000;

/**
 * Confirms a backend is really gone: the leader has exited, but grandchildren in its group may
 * live on (and hold the port). They get SIGTERM, then SIGKILL after the grace period; then the
 * port must be free. Members that left the group (setsid) are found by the instance id in their
 * environment (Linux). Only our own processes are signalled; a foreign one on the port is left alone.
 */
export function createReapGroup(options: ResolvedOptions) {
  return fromPromise<void, ReapGroupInput>(async ({ input, signal }) => {
    const lock = lockPath(options.stateDir, options.name);
    if (input.pgid === undefined) return;
    const record = readLock(lock);
    const instanceId = record?.pgid === input.pgid ? record.instanceId : undefined;
    if (!(await terminateGroup(input.pgid, input.graceMs, signal))) {
      throw new BackendError({
        code: 'STOP_FAILED',
        message: `Backend process group ${input.pgid} survived SIGTERM and SIGKILL (members: ${groupMembers(input.pgid).join(', ')})`,
        details: { pgid: input.pgid },
      });
    }
    // members that left the group with setsid still carry the instance id: they are ours too
    const escaped = input.instanceId ? processesOfInstance(input.instanceId) : [];
    if (escaped.length > 0 && !(await terminatePids(escaped, input.graceMs, signal))) {
      throw new BackendError({ code: 'STOP_FAILED', message: `Backend processes ${escaped.join(', ')} (left the process group) survived SIGTERM and SIGKILL`, details: { pids: escaped.join(',') } });
    }
    removeLock(lock, instanceId);
    const deadline = Date.now() + portReleaseMs;
    while (input.port > 0 && !(await isPortFree(options.host, input.port)) && Date.now() < deadline && !signal.aborted) {
      await sleep(10);
    }
  });
}
