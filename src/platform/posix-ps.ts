// only the start-up work imports this file (see actors/lazy.ts), so execa loads with the first start
import { execa, execaSync } from 'execa';
import { posixGroupExists, signalPosixGroup } from './posix-group.js';
import { withSpawnLimits } from './spawn-limits.js';
import type { InstanceScan, ProcessPlatform } from './types.js';

// BSD ps (macOS) shows the environment with -E, FreeBSD's with -e; procps takes BSD-style 'e'
const envFlag = process.platform === 'linux' ? 'e' : process.platform === 'darwin' ? '-E' : '-e';
// one locale and time zone, so that a start time reads the same in every launch
const psEnv = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };

const psOptions = { env: psEnv, extendEnv: false, stdin: 'ignore', stderr: 'ignore', reject: false, maxBuffer: 64 * 1024 * 1024, windowsHide: true } as const;

/**
 * Runs ps (with execa, like every process the package starts); a pid that does not exist (exit 1)
 * reads as no output, a ps that could not start (not on PATH, no descriptor left) as undefined.
 */
function ps(args: string[]): string | undefined {
  const result = execaSync('ps', args, psOptions);
  if (result.exitCode === undefined) return undefined;
  return typeof result.stdout === 'string' ? result.stdout : '';
}

/**
 * `ps` without blocking the event loop (each run takes 10–40 ms, which a start and a stop paid on
 * the main thread). A ps that could not start (not on PATH, no descriptor or process left) rejects
 * with its code: an empty table would say "no such process", and a stop would call its backend's
 * family gone.
 */
async function psAsync(args: string[]): Promise<string> {
  const result = await withSpawnLimits(() => execa('ps', args, psOptions));
  if (result.exitCode === undefined) {
    const code = typeof result.code === 'string' ? result.code : 'ERROR';
    throw Object.assign(new Error(`the process table cannot be read: ps could not be started (${code})`), { code });
  }
  return typeof result.stdout === 'string' ? result.stdout : '';
}

function rows(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/));
}

const isZombie = (stat: string | undefined) => stat === undefined || stat.startsWith('Z');

function environmentOf(pid: number): string {
  return ps([envFlag, '-ww', '-o', 'command=', '-p', String(pid)]) ?? '';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface ProcessRow {
  pid: number;
  ppid: number;
  command: string;
}

/** The live (non-zombie) rows of `pid ppid stat command` lines. */
function processTable(text: string): ProcessRow[] {
  return text
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && !isZombie(match[3]))
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), command: match[4] ?? '' }));
}

// While a process is inside execve its argv and environment read empty, and procps shows only its
// name in brackets (seen on Linux; what macOS shows there is untested); a kernel thread (a child of
// 0 or of kthreadd, pid 2) shows the same and never has an environment.
const insideExec = (row: ProcessRow) => /^\s*\[[^\]]*\]\s*$/.test(row.command) && row.ppid !== 0 && row.ppid !== 2 && row.pid !== 2;

const wholeTable = ['-A', envFlag, '-ww', '-o', 'pid=,ppid=,stat=,command='];
const rowsOf = (pids: number[]) => [envFlag, '-ww', '-o', 'pid=,ppid=,stat=,command=', '-p', pids.join(',')];
const instanceNeedle = (instanceId: string) => new RegExp(`(?:^|\\s)BACKEND_INSTANCE_ID=${escapeRegExp(instanceId)}(?:\\s|$)`);
const carriersIn = (table: ProcessRow[], needle: RegExp) => table.filter((row) => needle.test(row.command)).map((row) => row.pid);
const othersThanUs = (pids: number[]) => [...new Set(pids)].filter((pid) => pid !== process.pid);

/**
 * macOS and other POSIX systems without /proc: the same answers from `ps` (start time from
 * `lstart`, with one-second resolution; the environment from `ps e`/`-E`, readable for this
 * user's processes). It works on Linux too, where the test suite runs it a second time.
 */
export const posixPsPlatform: ProcessPlatform = {
  name: 'posix-ps',
  gracefulSignals: true,
  readsEnvironment: true,
  // polled while a stop waits for a group's last members: never on the main thread
  groupMembers: async (pgid) =>
    !posixGroupExists(pgid)
      ? []
      : rows(await psAsync(['-A', '-o', 'pid=,pgid=,stat=']))
          .filter(([, group, stat]) => Number(group) === pgid && !isZombie(stat))
          .map(([pid]) => Number(pid)),
  signalGroup: signalPosixGroup,
  isAlive(pid) {
    const stat = ps(['-o', 'stat=', '-p', String(pid)]);
    // asked only of a pid that exists (kill 0 said so): without ps it is taken for alive, never for gone
    return stat === undefined || !isZombie(stat.trim() || undefined);
  },
  // asked for every launch (its lock) and the supervisor once: never on the main thread
  // unknown (undefined) when ps cannot run: the lock keeps 'unknown', and a reap looks for the backend by its instance id
  startTime: async (pid) => (await psAsync(['-o', 'lstart=', '-p', String(pid)]).catch(() => '')).trim() || undefined,
  processGroupOf(pid) {
    const [row] = rows(ps(['-o', 'pgid=,stat=', '-p', String(pid)]) ?? '');
    return row && !isZombie(row[1]) ? Number(row[0]) : undefined;
  },
  envValue(pid, name) {
    // the command line comes first: the value is the last NAME=… that stands as a word of its own
    const matches = [...environmentOf(pid).matchAll(new RegExp(`(?:^|\\s)${escapeRegExp(name)}=(\\S*)`, 'g'))];
    return matches.at(-1)?.[1];
  },
  processesOfInstance(instanceId) {
    const needle = instanceNeedle(instanceId);
    const text = ps(wholeTable);
    if (text === undefined) throw new Error('the process table cannot be read: ps could not be started');
    const table = processTable(text);
    const carriers = carriersIn(table, needle);
    // one more look at those caught inside an exec, a few milliseconds later (the next ps)
    const unread = table.filter(insideExec).map((row) => row.pid);
    if (unread.length > 0) carriers.push(...carriersIn(processTable(ps(rowsOf(unread)) ?? ''), needle));
    return othersThanUs(carriers);
  },
  // a stop's look for its members: the same two ps runs, without blocking (the whole table each time)
  async scanInstance(instanceId: string): Promise<InstanceScan> {
    const needle = instanceNeedle(instanceId);
    const table = processTable(await psAsync(wholeTable));
    const carriers = carriersIn(table, needle);
    const unread = table.filter(insideExec).map((row) => row.pid);
    if (unread.length > 0) carriers.push(...carriersIn(processTable(await psAsync(rowsOf(unread))), needle));
    return { listed: new Set(table.map((row) => row.pid)), members: othersThanUs(carriers) };
  },
  shellIdentityCheck: `ps ${envFlag} -ww -o command= -p "$1" 2>/dev/null | grep -q "BACKEND_INSTANCE_ID=$2"`,
};
