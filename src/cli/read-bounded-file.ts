import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { describeFsError } from '../disk/private-dir.js';

/** A file that cannot be read as a small text file: the reason, in words, for one message. */
export class UnreadableFile extends Error {}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openForReading(path: string): number {
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat can refuse it
    return openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnreadableFile(code === 'ENOENT' ? 'no such file (ENOENT)' : describeFsError(error));
  }
}

/**
 * The text of a regular file of at most `maxBytes`, read through one descriptor (so what was
 * checked is what is read), with a leading byte-order mark removed. A FIFO, device or directory,
 * or a larger file, is refused before anything is read from it.
 *
 * @example
 * const text = readBoundedTextFile('system.yaml', 1024 * 1024);
 */
export function readBoundedTextFile(path: string, maxBytes: number): string {
  const fd = openForReading(path);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnreadableFile(`${kindOf(stats)}, not a regular file`);
    if (stats.size > maxBytes) throw new UnreadableFile(`it holds ${stats.size} bytes, more than the ${maxBytes} a system file may hold`);
    // one byte more than allowed: a file that grew since fstat is caught too
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new UnreadableFile(`it holds more than the ${maxBytes} bytes a system file may hold`);
    }
    const text = buffer.toString('utf8', 0, length);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile(describeFsError(error));
  } finally {
    closeSync(fd);
  }
}
