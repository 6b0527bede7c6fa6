import { setTimeout as sleep } from 'node:timers/promises';
import { loadProcessPlatform, type ProcessPlatform, processPlatform } from '../platform/index.js';
import { isOutOfDescriptors } from '../platform/read-proc-file.js';
import type { InstanceScan } from '../platform/types.js';
import { limitExplanations } from '../platform/spawn-limits.js';
import { loadJobApi } from '../platform/windows-job.js';
import { holdInJob } from '../platform/windows.js';

let cached: { forced: string | undefined; platform: ProcessPlatform } | undefined;

/**
 * The process strategy in use (see `processPlatform`), chosen once per forced value. Synchronous
 * callers come after `loadPlatform` (the reap of orphans and every launch await it first).
 */
export function platform(): ProcessPlatform {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  if (cached?.forced !== forced || !cached) cached = { forced, platform: processPlatform() };
  return cached.platform;
}

/** The process strategy in use, loaded where it must be (the `ps` strategy loads execa). */
export async function loadPlatform(): Promise<ProcessPlatform> {
  await loadProcessPlatform();
  return platform();
}

let jobApi: Awaited<ReturnType<typeof loadJobApi>>;

/** Loads what holding a group needs before the first spawn (the strategy; on Windows koffi, for Job Objects). */
export async function prepareGroups(): Promise<void> {
  await loadPlatform();
  if (process.platform === 'win32') jobApi = await loadJobApi();
}

/**
 * Holds a just-spawned backend's group where the system needs it (Windows: a kill-on-close Job
 * Object); returns a line for the launch log, undefined where there is nothing to do (POSIX).
 */
export function holdGroup(pid: number): string | undefined {
  return process.platform === 'win32' ? holdInJob(pid, jobApi) : undefined;
}

/** Live (non-zombie) members of a backend's group (on Windows: its job and process tree). */
export async function groupMembers(pgid: number): Promise<number[]> {
  return (await loadPlatform()).groupMembers(pgid);
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // one syscall answers "gone" for the common case; a live pid needs the strategy's closer look
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return (await loadPlatform()).isAlive(pid);
}

/** A stable token for "this process, not a later one with a recycled pid"; undefined when gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await loadPlatform()).startTime(pid);
}

/** The process group of a live process (undefined when gone). */
export function processGroupOf(pid: number): number | undefined {
  return platform().processGroupOf(pid);
}

/** The value of one environment variable of another process of ours. */
export function processEnvValue(pid: number, name: string): string | undefined {
  return platform().envValue(pid, name);
}

/** Sends a signal to a backend's whole group (on Windows: terminates its tree); false when it is gone. */
export async function signalGroup(pgid: number, signal: NodeJS.Signals): Promise<boolean> {
  return (await loadPlatform()).signalGroup(pgid, signal);
}

/** SIGKILL to a group from the exit hook: synchronous, the one place where it must be (Node is exiting). */
export function killGroupNow(pgid: number): boolean {
  const strategy = platform();
  return strategy.signalGroupAtExit ? strategy.signalGroupAtExit(pgid) : (strategy.signalGroup(pgid, 'SIGKILL') as boolean);
}

/** Polls (backing off to 50 ms) until `gone()` or the deadline; true when gone. */
async function waitUntilGone(gone: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  while (!(await gone())) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 50);
  }
  return true;
}

/** The two-stage stop: SIGTERM, then SIGKILL after `graceMs`, then up to 2 s more. True when gone. */
async function escalate(
  send: (signal: NodeJS.Signals) => Promise<unknown>,
  alive: () => Promise<boolean>,
  graceMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (!(await alive())) return true;
  await send('SIGTERM');
  if (await waitUntilGone(async () => !(await alive()), graceMs, signal)) return true;
  await send('SIGKILL');
  return waitUntilGone(async () => !(await alive()), 2_000);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, to a whole process group. True when it is gone. */
export function terminateGroup(pgid: number, graceMs: number, signal?: AbortSignal): Promise<boolean> {
  return escalate((name) => signalGroup(pgid, name), async () => (await groupMembers(pgid)).length > 0, graceMs, signal);
}

/**
 * Live processes whose environment carries BACKEND_INSTANCE_ID=<id>: the backend's whole family,
 * including members that left its process group (setsid). The id is a random UUID per spawn, so
 * nothing else can match.
 */
export async function processesOfInstance(instanceId: string): Promise<number[]> {
  const strategy = await loadPlatform();
  if (!strategy.scanInstance) return strategy.processesOfInstance(instanceId);
  const earlier = await familyScans.get(instanceId);
  familyScans.delete(instanceId);
  return [...(await strategy.scanInstance(instanceId, earlier)).members];
}

// The scans begun when a stop began, by instance id, until the reap after the exit reads them
const familyScans = new Map<string, Promise<InstanceScan | undefined>>();
// a stop whose reap never comes (a launch that never spawned) leaves its scan: the oldest go first
const familyScansKept = 16;

/**
 * Begins the look for a backend's family (/proc on Linux) as its stop begins, while the backend
 * shuts down: the reap after its exit then reads only the processes born since, so the stop's
 * last step is not a read of every process. Where the strategy has no such scan, nothing happens.
 */
export function beginFamilyScan(instanceId: string): void {
  const strategy = platform();
  if (!strategy.scanInstance || familyScans.has(instanceId)) return;
  familyScans.set(
    instanceId,
    strategy.scanInstance(instanceId).catch(() => undefined),
  );
  for (const oldest of familyScans.keys()) {
    if (familyScans.size <= familyScansKept) break;
    familyScans.delete(oldest);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, to individual processes. True when all are gone. */
export function terminatePids(pids: number[], graceMs: number, signal?: AbortSignal): Promise<boolean> {
  const send = async (name: NodeJS.Signals) => {
    for (const pid of pids) signalPid(pid, name);
  };
  const someAlive = async () => (await Promise.all(pids.map(isAlive))).some(Boolean);
  return escalate(send, someAlive, graceMs, signal);
}

/**
 * Stops a backend's whole family: its process group (if it still has one), then any process that
 * left the group (setsid) but still carries its instance id. Returns the pids that survived.
 */
export async function stopFamily(pgid: number | undefined, instanceId: string | undefined, graceMs: number, signal?: AbortSignal): Promise<number[]> {
  if (pgid !== undefined && !(await terminateGroup(pgid, graceMs, signal))) return groupMembers(pgid);
  const escaped = instanceId ? await processesOfInstance(instanceId) : [];
  if (escaped.length > 0 && !(await terminatePids(escaped, graceMs, signal))) {
    const alive = await Promise.all(escaped.map(isAlive));
    return escaped.filter((_, index) => alive[index]);
  }
  return [];
}

/**
 * Why a look for a backend's processes could not be made, when file descriptors ran out for it
 * (the error's code, EMFILE or ENFILE, explained); undefined for any other failure.
 *
 * @example
 * const why = descriptorShortage(error); // 'this process has too many open files (EMFILE): …'
 */
export function descriptorShortage(error: unknown): string | undefined {
  if (!isOutOfDescriptors(error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code as string;
  return limitExplanations[code] ?? code;
}
