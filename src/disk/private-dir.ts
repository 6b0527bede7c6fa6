import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, parse, sep } from 'node:path';
import { invalidOption } from '../errors.js';

const fsReasons: Record<string, string> = {
  ENOTDIR: 'a part of the path is a regular file, not a directory (ENOTDIR)',
  EEXIST: 'it exists and is not a directory (EEXIST)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'the file system is read-only (EROFS)',
  ENOSPC: 'the disk is full (ENOSPC)',
  ELOOP: 'too many symbolic links (ELOOP)',
  ENAMETOOLONG: 'the path is too long (ENAMETOOLONG)',
};

/** A file-system error in words, with its code. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && fsReasons[code]) ?? (error instanceof Error ? error.message : String(error));
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Why `dir` is not safe for files that decide which processes get signalled, or undefined when
 * it is. The directory itself must be ours and writable by nobody else; every directory above it
 * must belong to us or root and be writable by others only with the sticky bit (like /tmp), so
 * that nobody else can plant a lockfile or swap the directory.
 */
function unsafeReason(dir: string, uid: number): string | undefined {
  const own = statSync(dir);
  if (own.uid !== uid) return `it belongs to uid ${own.uid} (mode ${octal(own.mode)}), not to you (uid ${uid})`;
  if ((own.mode & 0o022) !== 0) return `it is writable by other users (mode ${octal(own.mode)}); run chmod go-w on it or choose another directory`;
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const stat = statSync(parent);
    if (stat.uid !== uid && stat.uid !== 0) return `${parent} belongs to uid ${stat.uid} (mode ${octal(stat.mode)}), not to you (uid ${uid})`;
    if ((stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0) return `${parent} is writable by every user without the sticky bit (mode ${octal(stat.mode)})`;
    if (dirname(parent) === parent) return undefined;
  }
}

/** The first symbolic link on the way to `dir` that belongs to neither `uid` nor root: whoever owns it decides where `dir` is. */
function foreignLink(dir: string, uid: number): string | undefined {
  const { root } = parse(dir);
  let path = root;
  for (const part of dir.slice(root.length).split(sep).filter(Boolean)) {
    path = join(path, part);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined; // under a file, or not searchable: creating the folder will say why
    }
    if (stat === undefined) return undefined; // nothing beyond a missing part can be a link yet
    if (stat.isSymbolicLink() && stat.uid !== uid && stat.uid !== 0) return `it passes through ${path}, a symbolic link that belongs to uid ${stat.uid}, not to you (uid ${uid})`;
  }
  return undefined;
}

/**
 * Creates (0700) or reuses a directory the package writes to, and refuses one that is unusable or
 * that other users could tamper with, or that is reached through another user's symbolic link.
 * Returns the directory's real path, the one that was checked: use it, not `dir`, for every
 * later open, rename or listing, so that a link flipped afterwards cannot redirect them. Throws
 * INVALID_OPTIONS naming the option, the path and why.
 *
 * @example
 * const stateDir = preparePrivateDir('/home/me/.cache/app/state', 'stateDir');
 */
export function preparePrivateDir(dir: string, option: string): string {
  const unusable = (why: string) => invalidOption(option, 'a directory this user can write to', dir, `${dir} cannot be used: ${why}`);
  const unsafe = (why: string) => invalidOption(option, 'a private directory', dir, `${dir} is not safe to use: ${why}`);
  const uid = process.getuid?.();
  // before anything is created: mkdir must not make folders wherever another user's link points
  const throughLink = uid === undefined ? undefined : foreignLink(dir, uid);
  if (throughLink) throw unsafe(throughLink);
  let real: string;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    real = realpathSync(dir);
    if (!statSync(real).isDirectory()) throw unusable('it is not a directory');
    accessSync(real, constants.W_OK | constants.X_OK);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'INVALID_OPTIONS') throw error;
    throw unusable(describeFsError(error));
  }
  if (uid === undefined) return real; // Windows: per-user profile folders carry their own ACLs
  // the link check again: one may have been planted while the folders were made
  const reason = unsafeReason(real, uid) ?? foreignLink(dir, uid);
  if (reason) throw unsafe(reason);
  return real;
}
