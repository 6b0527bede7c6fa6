import { closeSync, constants, createWriteStream, fchmodSync, fstatSync, lstatSync, openSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

// never through a symlink (O_NOFOLLOW), and never blocked by a FIFO planted at the path (O_NONBLOCK)
const appendFlags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Why the file open on `fd` is not ours alone to append to, or undefined when it is. */
function notOurs(fd: number): string | undefined {
  const stat = fstatSync(fd);
  const uid = process.getuid?.();
  const what = `owner uid ${stat.uid}, mode ${octal(stat.mode)}`;
  if (!stat.isFile()) return `it is not a regular file (${what})`;
  if (uid === undefined) return undefined; // Windows: the folder's ACLs decide
  if (stat.uid !== uid) return `it belongs to uid ${stat.uid} (mode ${octal(stat.mode)}), not to you (uid ${uid})`;
  // a second name for the same file may be someone else's path to it (or the link to one of our own files)
  if (stat.nlink > 1) return `it has ${stat.nlink} hard links (${what}); give a path to a file of its own`;
  // ours but readable by others: the log of what the app did is nobody else's business
  if ((stat.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  return undefined;
}

/**
 * Opens `path` to append to: created 0600 when new, and refused (an Error whose message names the
 * owner and the mode) when it is a symbolic link, not a regular file, or another user's file.
 *
 * @example
 * const fd = openPrivateAppend('/tmp/inspect.jsonl');
 */
export function openPrivateAppend(path: string): number {
  let fd: number;
  try {
    // Windows has no O_NOFOLLOW: a link is refused by looking first
    if (constants.O_NOFOLLOW === undefined && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw Object.assign(new Error('symlink'), { code: 'ELOOP' });
    fd = openSync(path, appendFlags, 0o600);
  } catch (error) {
    // ELOOP from O_NOFOLLOW, or EACCES where the kernel protects sticky folders' links itself
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (link?.isSymbolicLink()) throw new Error(`it is a symbolic link (owner uid ${link.uid}, mode ${octal(link.mode)}); give a path to a regular file`);
    // ENXIO: a FIFO nobody reads
    if (link && !link.isFile()) throw new Error(`it is not a regular file (owner uid ${link.uid}, mode ${octal(link.mode)})`);
    throw error;
  }
  let reason: string | undefined;
  try {
    reason = notOurs(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (reason) {
    closeSync(fd);
    throw new Error(reason);
  }
  return fd;
}

/**
 * Writes XState inspection events as JSON lines (the CLI's `--inspect-log FILE`): plain data
 * only — type, actor, event type and state value — never snapshots or actor refs. The file is
 * opened by {@link openPrivateAppend}: never through a link, never another user's.
 */
export function createInspectLog(path: string): { inspect: (event: InspectionEvent) => void; close: () => Promise<void> } {
  const stream = createWriteStream(path, { fd: openPrivateAppend(path) });
  stream.on('error', () => {}); // a log that cannot be written must not stop the backend
  return {
    inspect(event) {
      const line: Record<string, unknown> = { at: new Date().toISOString(), type: event.type, actor: (event.actorRef as { id?: string }).id ?? event.actorRef.sessionId };
      if ('event' in event && event.event) line.event = (event.event as { type: string }).type;
      if (event.type === '@xstate.snapshot') line.value = (event.snapshot as { value?: unknown }).value ?? null;
      stream.write(`${JSON.stringify(line)}\n`);
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
