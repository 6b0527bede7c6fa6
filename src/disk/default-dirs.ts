import { accessSync, constants, mkdtempSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/** Where the default `logDir` and `stateDir` live, and why there. */
export interface DefaultFolders {
  logDir: string;
  stateDir: string;
  /** `runtime` ($XDG_RUNTIME_DIR), `cache` (the user's cache folder), `fresh` (a new private temp folder: home unusable). */
  source: 'runtime' | 'cache' | 'fresh';
}

/** True for a folder that only this user can use (POSIX owner and mode); never follows a missing one. */
function ownPrivateFolder(path: string | undefined, uid: number): path is string {
  if (!path || !isAbsolute(path)) return false;
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() === true && stat.uid === uid && (stat.mode & 0o077) === 0;
}

/** True for a folder this user owns (a home, whatever its mode: the folder below it is made 0700). */
function ownFolder(path: string | undefined, uid: number): path is string {
  if (!path || !isAbsolute(path)) return false;
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() === true && stat.uid === uid;
}

/** True when this user can make `path` a folder of theirs: it is one already, or the nearest folder on its way that exists is writable by them. */
function canCreate(path: string, uid: number): boolean {
  try {
    for (let dir = path; ; dir = dirname(dir)) {
      const stat = statSync(dir, { throwIfNoEntry: false });
      if (stat === undefined && dirname(dir) !== dir) continue;
      if (!stat?.isDirectory() || (dir === path && stat.uid !== uid)) return false;
      accessSync(dir, constants.W_OK | constants.X_OK);
      return true;
    }
  } catch {
    return false; // a folder on the way that this user may not enter or write
  }
}

function userCache(env: NodeJS.ProcessEnv, home: string): string {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return env.XDG_CACHE_HOME;
  return process.platform === 'darwin' ? join(home, 'Library', 'Caches') : join(home, '.cache');
}

let freshFolder: string | undefined;

const folders = (base: string, source: DefaultFolders['source']): DefaultFolders => ({ logDir: join(base, 'logs'), stateDir: join(base, 'state'), source });

/**
 * The default folders of logs and lockfiles: somewhere no other user can create first. POSIX:
 * `$XDG_RUNTIME_DIR/backend-lifecycle` when that is set and private to this user, else
 * `backend-lifecycle` in the user's cache folder (`$XDG_CACHE_HOME`, `~/.cache`, macOS
 * `~/Library/Caches`); when the home folder is not this user's, or that folder cannot be created
 * or used (a read-only home, a cache folder owned by root), a fresh private folder in the temp
 * directory, one per process (said once in a warning: orphans of earlier runs cannot be found
 * there). Windows: `%LOCALAPPDATA%\backend-lifecycle` (the per-user profile's ACLs protect it).
 *
 * @example
 * defaultFolders({ XDG_RUNTIME_DIR: '/run/user/1000' }).stateDir; // '/run/user/1000/backend-lifecycle/state'
 */
export function defaultFolders(env: NodeJS.ProcessEnv = process.env): DefaultFolders {
  const uid = process.getuid?.();
  if (uid === undefined) return folders(join(env.LOCALAPPDATA ?? tmpdir(), 'backend-lifecycle'), 'cache');
  if (ownPrivateFolder(env.XDG_RUNTIME_DIR, uid)) return folders(join(env.XDG_RUNTIME_DIR, 'backend-lifecycle'), 'runtime');
  const home = homedir();
  const cache = join(userCache(env, home), 'backend-lifecycle');
  // a read-only home, or a cache folder that sudo left to root, would fail every start: a fresh folder instead, said below
  if (ownFolder(home, uid) && canCreate(cache, uid)) return folders(cache, 'cache');
  // one per process, said once: the services of a system (or an app's supervisors) keep their files together
  if (freshFolder !== undefined) return folders(freshFolder, 'fresh');
  const why = ownFolder(home, uid) ? `uid ${uid} cannot create or use ${cache}` : `the home folder ${home} does not belong to uid ${uid}`;
  // mkdtemp creates a new name, 0700, exclusively: nobody can have made it first
  const fresh = mkdtempSync(join(tmpdir(), `backend-lifecycle-${uid}-`));
  freshFolder = fresh;
  process.emitWarning(
    `backend-lifecycle: ${why}, so logs and lockfiles go to a fresh private folder, ${fresh}; pass logDir and stateDir to keep them in one place (orphans of earlier runs are found only there)`,
  );
  return folders(fresh, 'fresh');
}
