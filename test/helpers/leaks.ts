import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// Read independently of the code under test: /proc where there is one, else ps (macOS). The
// `ps` pass of the suite reads through ps on Linux too, so the macOS path of these helpers runs.
const hasProc = existsSync('/proc/self/stat') && process.env.BL_TEST_LEAKS_VIA_PS !== '1';
const envFlag = process.platform === 'darwin' ? '-E' : process.platform === 'linux' ? 'e' : '-e';

function ps(args: string[]): string {
  try {
    return execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return '';
  }
}

interface ProcessRow {
  pid: number;
  zombie: boolean;
  pgid: number;
  /** The command line, as words. */
  args: string[];
  /** NAME=value entries of its environment (this user's processes only). */
  env: string[];
}

function procRow(pid: number): ProcessRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const read = (file: string) => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter((item) => item !== '');
      } catch {
        return [];
      }
    };
    return { pid, zombie: fields[0] === 'Z', pgid: Number(fields[2]), args: read('cmdline'), env: read('environ') };
  } catch {
    return undefined; // ended while we looked
  }
}

/** Every process, with its group, command line and (for ours) environment. */
export function processTable(): ProcessRow[] {
  if (hasProc) {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map((entry) => procRow(Number(entry)))
      .filter((row): row is ProcessRow => row !== undefined);
  }
  // ps prints the environment after the command: split words, the NAME=value ones at the end
  return ps(['-A', envFlag, '-ww', '-o', 'pid=,pgid=,stat=,command='])
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[1]) !== process.pid)
    .map((match) => {
      const words = (match[4] ?? '').split(/\s+/);
      return { pid: Number(match[1]), pgid: Number(match[2]), zombie: (match[3] ?? '').startsWith('Z'), args: words, env: words.filter((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) };
    });
}

/** Pids of every live process whose environment carries `name=value` (our backends and their children). */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  return processTable()
    .filter((row) => !row.zombie && row.env.includes(needle))
    .map((row) => row.pid);
}

/** One process's environment as NAME=value entries; empty when it is gone. */
export function environmentOf(pid: number): string[] {
  return (hasProc ? procRow(pid) : processTable().find((row) => row.pid === pid))?.env ?? [];
}

/** The process group of a live process. */
export function processGroupOf(pid: number): number | undefined {
  const row = hasProc ? procRow(pid) : processTable().find((candidate) => candidate.pid === pid);
  return row && !row.zombie ? row.pgid : undefined;
}

/** SIGKILLs the given pids (cleanup after a failed test); returns those that were still alive. */
export function killAll(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  });
}

/** True while `pid` runs; a zombie (dead, not yet reaped by its parent) counts as gone. */
export function isRunning(pid: number): boolean {
  if (hasProc) {
    const row = procRow(pid);
    return row !== undefined && !row.zombie;
  }
  const stat = ps(['-o', 'stat=', '-p', String(pid)]).trim();
  return stat !== '' && !stat.startsWith('Z');
}
