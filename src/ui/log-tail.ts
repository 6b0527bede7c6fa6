import { open, stat } from 'node:fs/promises';

const firstReadBytes = 16 * 1024;

/** Follows the current launch's log file: new lines as they are written; a new file (another launch, or a rotation) starts over. */
export function tailLog(currentFile: () => string | undefined, onLines: (lines: string[], reset: boolean) => void, intervalMs = 500): () => void {
  let file: string | undefined;
  let offset = 0;
  let inode: number | undefined;
  let partial = '';
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = currentFile();
      const reset = now !== file;
      if (reset) {
        file = now;
        partial = '';
        offset = -1;
      }
      if (!file) return;
      const { size, ino } = await stat(file);
      if (offset === -1) offset = Math.max(0, size - firstReadBytes);
      // rotated: the name now holds a fresh file, read from its start
      else if (ino !== inode || size < offset) {
        offset = 0;
        partial = '';
      }
      inode = ino;
      if (size <= offset) return reset ? onLines([], true) : undefined;
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(Math.min(size - offset, 256 * 1024));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        onLines(lines, reset);
      } finally {
        await handle.close();
      }
    } catch {
      // the file is not there yet, or was removed: try again next time
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  void poll();
  return () => clearInterval(timer);
}
