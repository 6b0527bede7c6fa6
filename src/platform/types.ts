/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** One look for an instance's processes: every pid listed at the time, and those carrying its id. */
export interface InstanceScan {
  readonly listed: ReadonlySet<number>;
  readonly members: readonly number[];
}

/**
 * What the supervisor needs to know about processes, and how it stops them, behind one small
 * interface so that each operating system answers its own way: Linux reads /proc, other POSIX
 * systems ask `ps`, Windows walks the process tree (it has no process groups and no SIGTERM).
 *
 * A backend's "group" is the set of processes one stop must end: on POSIX its process group
 * (the backend leads it), on Windows its Job Object and the tree of processes below it (by parent pid).
 *
 * Answers may come as promises: Windows asks wmic or PowerShell, which must not block the event
 * loop; the POSIX strategies answer at once. Callers go through `process-group.ts`, which awaits.
 */
export interface ProcessPlatform {
  /** Which strategy this is: `linux-proc`, `posix-ps` or `windows`. */
  readonly name: string;
  /**
   * True where a signal can ask a process to stop (POSIX SIGTERM). False on Windows, where every
   * "signal" terminates at once: there a graceful stop needs the backend's stop request.
   */
  readonly gracefulSignals: boolean;
  /** True where another process's environment can be read (its instance id): not on Windows. */
  readonly readsEnvironment: boolean;
  /** Live (non-zombie) members of the group led by `pgid`; zombies hold no resources and count as gone. */
  groupMembers(pgid: number): MaybePromise<number[]>;
  /** Sends a signal to a whole group (on Windows: terminates its tree); false when it no longer exists. */
  signalGroup(pgid: number, signal: NodeJS.Signals): MaybePromise<boolean>;
  /** The exit hook's SIGKILL to a group: synchronous, as Node is exiting (POSIX: `signalGroup`). */
  signalGroupAtExit?(pgid: number): boolean;
  /** True while the process exists and is not a zombie. */
  isAlive(pid: number): boolean;
  /** A stable token for "this process, not a later one with a recycled pid"; undefined when gone. */
  startTime(pid: number): MaybePromise<string | undefined>;
  /** The group a live process belongs to (on Windows: itself); undefined when gone or unknown. */
  processGroupOf(pid: number): number | undefined;
  /** One environment variable of another process of this user; undefined when it cannot be read. */
  envValue(pid: number, name: string): string | undefined;
  /**
   * Where no environment can be read (Windows): the live descendants of a recorded backend that is
   * gone, by parent pid and creation time (`startTime` as recorded); none where that cannot be told.
   */
  orphanedTree?(pid: number, startTime: string): Promise<number[]>;
  /** Live processes whose environment carries `BACKEND_INSTANCE_ID=<id>`, wherever they went (setsid). */
  processesOfInstance(instanceId: string): number[];
  /**
   * The same answer without blocking the event loop, where it means reading every process (Linux:
   * /proc). Given an earlier scan (begun when the stop began), only processes born since and the
   * members found then are read again, so the stop's last step does not read the whole table.
   */
  scanInstance?(instanceId: string, earlier?: InstanceScan): Promise<InstanceScan>;
  /**
   * A POSIX `sh` condition, true when process `$1` carries `BACKEND_INSTANCE_ID=$2`: the guard
   * checks it before it signals a group, so a recycled group is never touched. Absent on Windows,
   * whose guard is a Node process (see `guard.ts`).
   */
  readonly shellIdentityCheck?: string;
}
