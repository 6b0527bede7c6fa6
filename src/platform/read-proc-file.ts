import { close, open, read } from 'node:fs';

// fs.promises.readFile pays a promise and a FileHandle per step: a scan of every process took
// ~1.5–3× longer that way (62 processes' environments: 1.9–4.7 against 1.2–1.5 ms). A /proc
// file's size reads as 0, so its end is the read that returns nothing (a short read is not taken
// for the end: the memory a process's environment is read from can change under a read while it
// execs). An environment rarely passes one chunk.
const chunkBytes = 16 * 1024;

/**
 * Reads a whole /proc file with libuv's threads and plain callbacks (open, read until a read
 * returns nothing, close): the event loop is never blocked and does little per file, which
 * matters when every process of the machine is read while a backend shuts down.
 * Rejects as `fs.readFile` would (ENOENT for a process gone, EACCES for another user's).
 *
 * @example
 * const environ = await readProcFile(`/proc/${pid}/environ`);
 */
export function readProcFile(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      const chunks: Buffer[] = [];
      const finish = (error: NodeJS.ErrnoException | null) => close(fd, () => (error ? reject(error) : resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))));
      const next = () => {
        const chunk = Buffer.allocUnsafe(chunkBytes);
        read(fd, chunk, 0, chunkBytes, null, (readError, bytes) => {
          if (readError) return finish(readError);
          if (bytes === 0) return finish(null);
          chunks.push(bytes === chunkBytes ? chunk : Buffer.from(chunk.subarray(0, bytes)));
          next();
        });
      };
      next();
    });
  });
}

/** True for an error that says this process has no file descriptor left (EMFILE), or the system none (ENFILE). */
export function isOutOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

// pauses between tries of a read refused for lack of descriptors (~0.2 s in all): a stopping
// backend's pipes close meanwhile, and the app's own short-lived files
const descriptorRetryMs = [2, 5, 10, 20, 50, 100];

/**
 * Runs `read` (a read of /proc) again while it fails for lack of file descriptors, then rejects
 * with that error. Such a failure says nothing about the process read: a scan that took it for
 * "gone" once let a stop report success while a member of the backend's family lived on.
 *
 * @example
 * const pids = await whenDescriptorsAllow(() => readdir('/proc'));
 */
export async function whenDescriptorsAllow<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      const pause = descriptorRetryMs[attempt];
      if (!isOutOfDescriptors(error) || pause === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
