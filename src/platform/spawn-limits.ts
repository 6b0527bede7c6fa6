import { ChildProcess } from 'node:child_process';
import { getSystemErrorName } from 'node:util';

/** The errors of a spawn refused for lack of resources: file descriptors, or processes. */
const limitCodes = new Set(['EMFILE', 'ENFILE', 'EAGAIN']);

/** What each limit means, for a message that names it. */
export const limitExplanations: Readonly<Record<string, string>> = {
  EMFILE: 'this process has too many open files (EMFILE): its file descriptor limit ("ulimit -n") is reached; raise it, or run fewer backends at once',
  ENFILE: "the system's table of open files is full (ENFILE): close other programs or raise the system's limit (fs.file-max)",
  EAGAIN: 'the system refused a new process (EAGAIN): the limit on processes ("ulimit -u") is reached, or memory is short',
};

type SpawnMethod = (this: ChildProcess, options: unknown) => unknown;

function errorName(result: unknown): string | undefined {
  if (typeof result !== 'number' || result >= 0) return undefined;
  try {
    return getSystemErrorName(result);
  } catch {
    return undefined;
  }
}

/**
 * Runs `spawn` (a synchronous call that starts a child process, e.g. `execa(...)`) so that running
 * out of file descriptors or processes can never crash the host. When Node's spawn fails with
 * EMFILE or ENFILE it leaves the child without stdio and emits `'error'` on it a tick later;
 * execa then throws ("subprocess.stdio is not iterable") before anyone could listen, and that
 * `'error'` would be an uncaught exception. Here the refused child gets a listener at once, and
 * the call throws an error whose `code` names the limit.
 *
 * @example
 * const child = withSpawnLimits(() => execa('sh', ['-c', script], options)); // throws { code: 'EMFILE' } instead of crashing
 */
export function withSpawnLimits<T>(spawn: () => T): T {
  let refused: string | undefined;
  const prototype = ChildProcess.prototype as unknown as { spawn: SpawnMethod };
  const original = prototype.spawn;
  prototype.spawn = function spawnWithLimits(this: ChildProcess, options: unknown) {
    const result = original.call(this, options);
    const name = errorName(result);
    if (name !== undefined && limitCodes.has(name)) {
      refused = name;
      // Node emits it on the next tick: it is reported by the throw below (or by execa's result)
      this.on('error', () => {});
    }
    return result;
  };
  try {
    return spawn();
  } catch (error) {
    if (refused === undefined) throw error;
    throw Object.assign(new Error(`spawn ${refused}: ${limitExplanations[refused]}`), { code: refused });
  } finally {
    prototype.spawn = original;
  }
}
