import type { ProcessEvent } from '../../machines/events.js';
import { type LockRecord, writeLock } from '../disk/lockfile.js';
import { describeFsError } from '../disk/private-dir.js';
import { platform, processStartTime } from '../process/process-group.js';
import type { LaunchState } from './run-backend-state.js';

// pid 0 before the spawn (the instance id alone finds the backend), the real one right after
export function lockRecord(run: LaunchState, pid: number, startTime: string, supervisorStarted: string): LockRecord {
  return {
    pid,
    pgid: pid,
    startTime,
    instanceId: run.instanceId,
    supervisorPid: process.pid,
    supervisorStartTime: supervisorStarted,
    port: run.port,
    platform: platform().name,
  };
}

/** The error of a lock that cannot be written, noted in the launch log. */
export function lockFailure(run: LaunchState, error: unknown) {
  // without its lock a force-quit would orphan the backend for good: this launch cannot go on
  const message = `Backend server cannot be supervised safely - its lockfile in ${run.options.stateDir} cannot be written: ${describeFsError(error)}`;
  run.log?.note(message);
  return { code: 'SPAWN_FAILED', message, details: { stateDir: run.options.stateDir } } as const;
}

// the start time is read asynchronously (a table read on Windows): the lock names the pid at once, then its identity
export async function completeLock(run: LaunchState, pid: number, held: string | undefined, supervisorStarted: string): Promise<void> {
  const startTime = await processStartTime(pid);
  if (startTime === undefined && held !== undefined && !held.startsWith('held') && platform().isAlive(pid)) {
    // Windows without a job and without a process table: neither a stop nor the next start could find its tree
    const message = `Backend server cannot be supervised safely - ${held.replace(/: the tree .*$/, '')}, and the process table cannot be read (wmic and powershell.exe did not answer: PATH without System32, or blocked by policy)`;
    run.log?.note(message);
    return run.sendBack({ type: 'process.failed', error: { code: 'SPAWN_FAILED', message, details: { pid: String(pid) } } } satisfies ProcessEvent);
  }
  if (startTime === undefined || run.exited || run.released) return;
  try {
    writeLock(run.lockFile, lockRecord(run, pid, startTime, supervisorStarted));
  } catch (error) {
    run.sendBack({ type: 'process.failed', error: lockFailure(run, error) } satisfies ProcessEvent);
  }
}
