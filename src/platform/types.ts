/**
 * What the supervisor needs to know about processes, behind one small interface so that each
 * operating system answers it its own way (Linux reads /proc, other POSIX systems ask `ps`).
 * Signals themselves are POSIX everywhere here (`process.kill`).
 */
export interface ProcessPlatform {
  /** Which strategy this is, e.g. `linux-proc` or `posix-ps`. */
  readonly name: string;
  /** Live (non-zombie) members of a process group; zombies hold no resources and count as gone. */
  groupMembers(pgid: number): number[];
  /** True while the process exists and is not a zombie. */
  isAlive(pid: number): boolean;
  /** A stable token for "this process, not a later one with a recycled pid"; undefined when gone. */
  startTime(pid: number): string | undefined;
  /** The process group of a live process; undefined when gone or unknown. */
  processGroupOf(pid: number): number | undefined;
  /** One environment variable of another process of this user; undefined when it cannot be read. */
  envValue(pid: number, name: string): string | undefined;
  /** Live processes whose environment carries `BACKEND_INSTANCE_ID=<id>`, wherever they went (setsid). */
  processesOfInstance(instanceId: string): number[];
  /**
   * A POSIX `sh` condition, true when process `$1` carries `BACKEND_INSTANCE_ID=$2`: the guard
   * checks it before it signals a group, so a recycled group is never touched.
   */
  readonly shellIdentityCheck: string;
}
