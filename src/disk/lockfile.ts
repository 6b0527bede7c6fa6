import { lstatSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a supervisor records about its live backend, so that a later launch can reap an orphan. */
export interface LockRecord {
  /** 0 in the record written just before the spawn (the pid is not known yet): the instance id alone finds the backend. */
  pid: number;
  pgid: number;
  /** Start time of the backend process: a recycled pid has another one. */
  startTime: string;
  instanceId: string;
  supervisorPid: number;
  supervisorStartTime: string;
  port: number;
  /** The process strategy that took the start times (`linux-proc`, `posix-ps`): they compare only within one. */
  platform: string;
}

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** One lockfile per launch, so supervisors that share a name and a state dir never overwrite each other's. */
export function lockPath(stateDir: string, name: string, instanceId: string): string {
  return join(stateDir, `${name}.${instanceId}.lock.json`);
}

/**
 * Writes the record atomically (a new temp file, then rename), readable only by this user. A
 * launch writes it twice: with pid 0 just before the spawn, and with the pid right after spawn()
 * returns, so a host killed at any moment leaves a lock for every backend it may have started.
 */
export function writeLock(path: string, record: LockRecord): void {
  // the first record of a launch needs no rename: the file is new (wx), and one small write() is
  // never seen half done; a host killed between create and write leaves an empty file, but then
  // nothing was spawned yet
  if (record.pid === 0) {
    writeFileSync(path, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    // a full disk (ENOSPC) or a failed rename must not leave the half-written temp file behind
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * The locks of supervisors called `name` in `stateDir`: only regular files (never a symlink)
 * that belong to this user and that no one else may write, with a well-formed record. Locks of
 * the instances `skip` names are not even read.
 */
export function readLocks(stateDir: string, name: string, skip: (instanceId: string) => boolean = () => false): { path: string; record: LockRecord }[] {
  const pattern = new RegExp(`^${name.replace(/[.]/g, '\\.')}\\.(${uuidPattern})\\.lock\\.json$`);
  const uid = process.getuid?.();
  const locks: { path: string; record: LockRecord }[] = [];
  for (const file of readdirSync(stateDir)) {
    const match = pattern.exec(file);
    if (!match || skip(match[1] as string)) continue;
    const path = join(stateDir, file);
    try {
      const stat = lstatSync(path);
      // Windows has no owner uid or group/other modes here: the per-user profile folder's ACLs protect it
      if (!stat.isFile() || (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0))) continue;
      const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (isLockRecord(value) && file === `${name}.${value.instanceId}.lock.json`) locks.push({ path, record: value });
    } catch {
      // removed meanwhile by its owner, or not a lock we can read: not ours to act on
    }
  }
  return locks;
}

export function removeLock(path: string): void {
  rmSync(path, { force: true });
}

function isLockRecord(value: unknown): value is LockRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    ['pid', 'pgid'].every((key) => Number.isInteger(record[key]) && (record[key] as number) >= 0) &&
    ['supervisorPid', 'port'].every((key) => Number.isInteger(record[key]) && (record[key] as number) > 0) &&
    ['startTime', 'instanceId', 'supervisorStartTime', 'platform'].every((key) => typeof record[key] === 'string')
  );
}
