import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, type Stats, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BackendSupervisor } from '../supervisor.js';
import { SetupError } from './cli-io.js';
import { readBoundedTextFile } from './read-bounded-file.js';

/** What a terminal needs to call the backend's protected routes. */
export interface EnvFileValues {
  url: string;
  port: number;
  /** Undefined when auth is off. */
  apiKey: string | undefined;
}

const ownUid = () => process.getuid?.();

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Why `path` must not receive the API key, or undefined when it may: the file must be absent or a
 * regular file of ours with no other links, in a directory that nobody else can rename it in.
 */
function refusal(path: string): string | undefined {
  const uid = ownUid();
  const existing = lstatOrUndefined(path);
  if (existing?.isSymbolicLink()) return 'it is a symbolic link (a key must not be written where a link points)';
  if (existing && !existing.isFile()) return 'it is not a regular file';
  if (existing && uid !== undefined && existing.uid !== uid) return `it belongs to another user (uid ${existing.uid})`;
  if (existing && existing.nlink > 1) return 'it has other hard links';
  let parent: Stats;
  try {
    parent = statSync(dirname(path));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory (ENOENT)' : String((error as Error).message);
  }
  if (!parent.isDirectory()) return 'its parent is not a directory';
  if (uid === undefined) return undefined;
  if (parent.uid !== uid && parent.uid !== 0) return `its directory belongs to another user (uid ${parent.uid})`;
  // writable by others without the sticky bit: anyone could swap the file after we wrote it
  if ((parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0) return 'its directory is writable by other users';
  return undefined;
}

/** Fails now, naming the path and the reason, when `--write-env-file` cannot safely hold the key. */
export function checkEnvFile(path: string): void {
  const why = refusal(resolve(path));
  if (why) throw new SetupError(`refusing --write-env-file ${path}: ${why}`);
}

/** The file's text: shell- and dotenv-compatible lines (the values need no quoting). */
export function envFileText(values: EnvFileValues): string {
  const lines = [`BACKEND_URL=${values.url}`, `BACKEND_PORT=${values.port}`];
  if (values.apiKey !== undefined) lines.push(`BACKEND_API_KEY=${values.apiKey}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Which file was written, so that only this very file is removed later: device and inode, and
 * the text (a freed inode number is handed to the next new file at once, on tmpfs for one).
 */
export interface WrittenEnvFile {
  dev: number;
  ino: number;
  text: string;
}

/**
 * Writes the file as a fresh 0600 file (created exclusively, never through a link) renamed over
 * `path`, so that a reader sees the old or the new content, never a key in a readable file.
 */
export function writeEnvFile(path: string, values: EnvFileValues): WrittenEnvFile {
  const target = resolve(path);
  const why = refusal(target);
  if (why) throw new SetupError(`refusing --write-env-file ${path}: ${why}`);
  // a name nobody can guess: in a shared folder like /tmp, a file planted at a predictable one (the pid) blocked the write
  const temporary = `${target}.${randomBytes(8).toString('hex')}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  let written: WrittenEnvFile;
  try {
    const text = envFileText(values);
    writeSync(fd, text);
    const { dev, ino } = fstatSync(fd);
    written = { dev, ino, text };
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  return written;
}

/**
 * Removes the file when the backend stops (its key is useless then, and should not linger), but
 * only the file this process wrote: another CLI on the same path, or the user, may have put
 * their own there since.
 */
export function removeEnvFile(path: string, written: WrittenEnvFile): void {
  const existing = lstatOrUndefined(resolve(path));
  if (!existing?.isFile() || existing.dev !== written.dev || existing.ino !== written.ino) return;
  if (existing.size !== Buffer.byteLength(written.text) || readBoundedTextFile(resolve(path), written.text.length) !== written.text) return;
  unlinkSync(resolve(path));
}

/** What `run --write-env-file` keeps: the file follows the running backend's port and is gone at exit. */
export interface KeptEnvFile {
  follow(supervisor: BackendSupervisor, complain: (line: string) => void): void;
  remove(): Promise<void>;
}

/**
 * Checks `path` now (a SetupError when it is unsafe) and returns what writes it each time the
 * backend runs on a new port, and removes it.
 */
export function keepEnvFile(path: string): KeptEnvFile {
  checkEnvFile(path);
  let writtenPort = 0;
  let written: WrittenEnvFile | undefined;
  return {
    follow(supervisor, complain) {
      supervisor.subscribe((status) => {
        const url = supervisor.getBaseUrl();
        if (status.status !== 'running' || url === undefined || status.port === writtenPort) return;
        try {
          written = writeEnvFile(path, { url, port: status.port, apiKey: supervisor.getApiKey() });
          writtenPort = status.port;
        } catch (error) {
          complain(error instanceof SetupError ? error.message : `cannot write --write-env-file ${path}: ${(error as Error).message}`);
        }
      });
    },
    async remove() {
      if (written === undefined) return;
      try {
        removeEnvFile(path, written);
      } catch {
        // already gone, or never ours: nothing to clean up
      }
    },
  };
}
