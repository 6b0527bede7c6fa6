import { BackendError } from '../errors.js';
import { isLiveInstance } from '../disk/live-instances.js';
import { type LockRecord, readLocks, removeLock } from '../disk/lockfile.js';
import type { ResolvedOptions } from '../options/options.js';
import { descriptorShortage, isAlive, loadPlatform, platform, processEnvValue, processGroupOf, processStartTime, stopFamily, terminatePids } from '../process/process-group.js';
import type { VerifiedFolders } from './prepare-directories.js';
import type { PromiseWork } from './work.js';

/** Start times compare only when the same strategy took them; otherwise the instance id decides alone. */
async function sameStart(record: LockRecord, pid: number, recorded: string): Promise<boolean> {
  return record.platform !== platform().name || (await processStartTime(pid)) === recorded;
}

/** True when the supervisor that wrote the lock still owns the backend (then it is not an orphan). */
async function ownerAlive(record: LockRecord): Promise<boolean> {
  // this process: a sibling supervisor's live launch, or our own leftover of a stop never confirmed
  if (record.supervisorPid === process.pid) return isLiveInstance(record.instanceId);
  // a start time we cannot compare keeps a live pid's claim: better an orphan than a killed backend
  return (await isAlive(record.supervisorPid)) && (await sameStart(record, record.supervisorPid, record.supervisorStartTime));
}

/** True only for the very process the lock describes: same pid, same start time, same instance id. */
async function isRecordedBackend(record: LockRecord): Promise<boolean> {
  if (!(await isAlive(record.pid)) || !(await sameStart(record, record.pid, record.startTime))) return false;
  // where no other process's environment can be read (Windows), the start time recorded by this same strategy decides alone
  if (!platform().readsEnvironment) return record.platform === platform().name && record.startTime !== 'unknown';
  return processEnvValue(record.pid, 'BACKEND_INSTANCE_ID') === record.instanceId;
}

/**
 * Stops one orphaned backend: its group only when the verified backend leads it, else only the
 * verified pid; then whatever still carries its instance id (children that outlived it).
 */
async function reapRecorded(record: LockRecord, graceMs: number, signal: AbortSignal): Promise<number[]> {
  // written just before a spawn whose pid was never recorded (never signal pid 0: that is our own group)
  if (record.pid === 0 || record.pgid === 0) return stopFamily(undefined, record.instanceId, graceMs, signal);
  if (!(await isRecordedBackend(record))) {
    // Windows: the backend is gone, its children may not be; found by parent pid and creation time
    const strays = record.platform === platform().name && !(await isAlive(record.pid)) ? ((await platform().orphanedTree?.(record.pid, record.startTime)) ?? []) : [];
    if (strays.length > 0 && !(await terminatePids(strays, graceMs, signal))) return strays;
    return stopFamily(undefined, record.instanceId, graceMs, signal);
  }
  if (record.pgid === record.pid && processGroupOf(record.pid) === record.pgid) return stopFamily(record.pgid, record.instanceId, graceMs, signal);
  if (!(await terminatePids([record.pid], graceMs, signal))) return [record.pid];
  return stopFamily(undefined, record.instanceId, graceMs, signal);
}

/**
 * Reaps the backends of supervisors that died without stopping them (force-quit, SIGKILL,
 * crash), as recorded in their lockfiles. Nothing is signalled unless the lock is a private file
 * of ours and the process still has the recorded start time and instance id.
 */
export function createReapOrphans(options: ResolvedOptions, folders: VerifiedFolders): PromiseWork<void> {
  return async ({ signal }) => {
    const locks = readLocks(folders.stateDir, options.name, isLiveInstance);
    // the checks below read the strategy synchronously: load it (the `ps` one loads execa) only when a lock is left
    if (locks.length > 0) await loadPlatform();
    // the locks of this process's live launches (siblings starting at the same time) are not read
    for (const { path, record } of locks) {
      if (await ownerAlive(record)) continue;
      const survivors = await reapRecorded(record, options.shutdown.graceMs, signal).catch((error: unknown) => {
        const why = descriptorShortage(error);
        if (why === undefined) throw error;
        throw new BackendError({
          code: 'SPAWN_FAILED',
          message: `Backend server failed to start - could not look for the processes of an earlier launch (recorded in ${path}): ${why}`,
          details: { lockFile: path, reason: (error as NodeJS.ErrnoException).code ?? null },
          retryable: false,
        });
      });
      if (survivors.length > 0) {
        throw new BackendError({
          code: 'STOP_FAILED',
          message: `Backend server failed to start - the orphan of an earlier launch (pids ${survivors.join(', ')}, recorded in ${path}) survived SIGTERM and SIGKILL`,
          details: { pids: survivors.join(','), lockFile: path },
          retryable: false,
        });
      }
      removeLock(path);
    }
  };
}
