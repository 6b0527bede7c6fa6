import { mkdtempSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

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

function userCache(env: NodeJS.ProcessEnv, home: string): string {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return env.XDG_CACHE_HOME;
  return process.platform === 'darwin' ? join(home, 'Library', 'Caches') : join(home, '.cache');
}

const folders = (base: string, source: DefaultFolders['source']): DefaultFolders => ({ logDir: join(base, 'logs'), stateDir: join(base, 'state'), source });

/**
 * The default folders of logs and lockfiles: somewhere no other user can create first. POSIX:
 * `$XDG_RUNTIME_DIR/backend-lifecycle` when that is set and private to this user, else
 * `backend-lifecycle` in the user's cache folder (`$XDG_CACHE_HOME`, `~/.cache`, macOS
 * `~/Library/Caches`); when the home folder is not this user's, a fresh private folder in the
 * temp directory (said in a warning: orphans of earlier runs cannot be found there). Windows:
 * `%LOCALAPPDATA%\backend-lifecycle` (the per-user profile's ACLs protect it).
 *
 * @example
 * defaultFolders({ XDG_RUNTIME_DIR: '/run/user/1000' }).stateDir; // '/run/user/1000/backend-lifecycle/state'
 */
export function defaultFolders(env: NodeJS.ProcessEnv = process.env): DefaultFolders {
  const uid = process.getuid?.();
  if (uid === undefined) return folders(join(env.LOCALAPPDATA ?? tmpdir(), 'backend-lifecycle'), 'cache');
  if (ownPrivateFolder(env.XDG_RUNTIME_DIR, uid)) return folders(join(env.XDG_RUNTIME_DIR, 'backend-lifecycle'), 'runtime');
  const home = homedir();
  if (ownFolder(home, uid)) return folders(join(userCache(env, home), 'backend-lifecycle'), 'cache');
  // mkdtemp creates a new name, 0700, exclusively: nobody can have made it first
  const fresh = mkdtempSync(join(tmpdir(), `backend-lifecycle-${uid}-`));
  process.emitWarning(
    `backend-lifecycle: the home folder ${home} does not belong to uid ${uid}, so logs and lockfiles go to a fresh private folder, ${fresh}; pass logDir and stateDir to keep them in one place (orphans of earlier runs are found only there)`,
  );
  return folders(fresh, 'fresh');
}
