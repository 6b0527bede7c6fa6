import { fromPromise } from 'xstate';
import { type LockRecord, lockPath, readLock, removeLock } from '../lockfile.js';
import type { ResolvedOptions } from '../options.js';
import { isAlive, processEnvValue, processStartTime, stopFamily } from '../process-group.js';

/** True when the supervisor that wrote the lock is still running (then the backend is not an orphan). */
function ownerAlive(record: LockRecord): boolean {
  if (record.supervisorPid === process.pid) return false; // our own earlier launch, left by a stop we never confirmed
  return isAlive(record.supervisorPid) && processStartTime(record.supervisorPid) === record.supervisorStartTime;
}

/** True only for the very process the lock describes: same pid, same start time, same instance id. */
function isRecordedBackend(record: LockRecord): boolean {
  if (!isAlive(record.pid) || processStartTime(record.pid) !== record.startTime) return false;
  const instance = processEnvValue(record.pid, 'BACKEND_INSTANCE_ID');
  return instance === undefined || instance === record.instanceId;
}

/**
 * Reaps the backend of a supervisor that died without stopping it (force-quit, SIGKILL, crash),
 * as recorded in the lockfile. A recycled pid never matches the recorded start time, so nothing
 * we did not start is ever signalled.
 */
export function createReapOrphans(options: ResolvedOptions) {
  return fromPromise<void>(async ({ signal }) => {
    const path = lockPath(options.stateDir, options.name);
    const record = readLock(path);
    if (!record || ownerAlive(record)) return;
    // the group only when its leader is provably ours; children that outlived it are named by the instance id
    await stopFamily(isRecordedBackend(record) ? record.pgid : undefined, record.instanceId, options.shutdown.graceMs, signal);
    removeLock(path, record.instanceId);
  });
}
