import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a supervisor records about its live backend, so that a later launch can reap an orphan. */
export interface LockRecord {
  pid: number;
  pgid: number;
  /** Start time of the backend process: a recycled pid has another one. */
  startTime: string;
  instanceId: string;
  supervisorPid: number;
  supervisorStartTime: string;
  port: number;
}

export function lockPath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.lock.json`);
}

/** Writes the record atomically (temp file + rename), readable only by this user. */
export function writeLock(path: string, record: LockRecord): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function readLock(path: string): LockRecord | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isLockRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the lock only if it still describes `instanceId` (another launch may own it now). */
export function removeLock(path: string, instanceId: string | undefined): void {
  const record = readLock(path);
  if (record && instanceId !== undefined && record.instanceId !== instanceId) return;
  rmSync(path, { force: true });
}

function isLockRecord(value: unknown): value is LockRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    ['pid', 'pgid', 'supervisorPid', 'port'].every((key) => Number.isInteger(record[key])) &&
    ['startTime', 'instanceId', 'supervisorStartTime'].every((key) => typeof record[key] === 'string')
  );
}
