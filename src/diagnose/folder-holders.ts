import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { plainText, tidyCommand } from './group-members.js';

/** A process of the app that still holds a file under a folder an installer is about to replace. */
export interface FolderHolder {
  pid: number;
  /** Its command line, cut to 200 characters, controls shown as spaces. */
  command: string;
  /** What it holds: its executable, its working directory, or an open or mapped file (controls shown as spaces: a file name may be hostile). */
  file: string;
}


const inside = (folder: string, path: string) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

// Electron's (Chromium's) own helpers (renderer, GPU, utility) carry --type=: they quit with the app, the installer expects them
const isAppHelper = (argv: string[]) => argv.some((arg) => arg.startsWith('--type='));

interface LinuxProcess {
  pid: number;
  parent: number;
  argv: string[];
  backend: boolean;
}

async function linuxProcess(pid: number): Promise<LinuxProcess | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    // another user's process: its environment cannot be read, and it is not ours
    const environment = await readFile(`/proc/${pid}/environ`, 'utf8');
    return { pid, parent: Number(fields[1]), argv, backend: environment.split('\0').some((entry) => entry.startsWith('BACKEND_INSTANCE_ID=')) };
  } catch {
    return undefined;
  }
}

/** What one Linux process holds under `folder`: its executable, working directory, open files, mapped files. */
async function linuxHeld(pid: number, folder: string): Promise<string | undefined> {
  const link = (path: string) => readlink(path).catch(() => '');
  for (const path of [await link(`/proc/${pid}/exe`), await link(`/proc/${pid}/cwd`)]) if (path && inside(folder, path.replace(/ \(deleted\)$/, ''))) return path;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await link(`/proc/${pid}/fd/${fd}`);
    if (target.startsWith('/') && inside(folder, target.replace(/ \(deleted\)$/, ''))) return target;
  }
  const maps = await readFile(`/proc/${pid}/maps`, 'utf8').catch(() => '');
  for (const line of maps.split('\n')) {
    const at = line.indexOf('/');
    if (at >= 0 && inside(folder, line.slice(at).replace(/ \(deleted\)$/, ''))) return line.slice(at);
  }
  return undefined;
}

const descendantsOf = (root: number, parents: Map<number, number>) => {
  const below = new Set<number>();
  for (const pid of parents.keys()) {
    // a walk up the parents, with a bound: a pid table read at two moments may contain a loop
    for (let at = parents.get(pid), steps = 0; at !== undefined && steps < 512; at = parents.get(at), steps++) {
      if (at === root) {
        below.add(pid);
        break;
      }
    }
  }
  return below;
};

async function linuxHolders(folder: string): Promise<FolderHolder[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  const processes: LinuxProcess[] = [];
  for (let start = 0; start < pids.length; start += 64) {
    for (const found of await Promise.all(pids.slice(start, start + 64).map(linuxProcess))) if (found) processes.push(found);
  }
  const below = descendantsOf(process.pid, new Map(processes.map((found) => [found.pid, found.parent])));
  const holders: FolderHolder[] = [];
  for (const found of processes) {
    if (found.pid === process.pid || isAppHelper(found.argv)) continue;
    // ours: started below this app, or launched by a supervisor (escaped with setsid, left by a force-quit): all it holds
    // counts; any other process of this user counts when it runs a program from the folder
    const ours = below.has(found.pid) || found.backend;
    const image = await readlink(`/proc/${found.pid}/exe`).catch(() => '');
    const held = ours ? await linuxHeld(found.pid, folder) : image && inside(folder, image.replace(/ \(deleted\)$/, '')) ? image : undefined;
    if (held) holders.push({ pid: found.pid, command: tidyCommand(found.argv.join(' ')), file: plainText(held) });
  }
  return holders;
}

/** Other POSIX systems (macOS): one `ps`; a process holds the folder when its program lies under it. */
async function psHolders(folder: string, named: string): Promise<FolderHolder[]> {
  const { execa } = await import('execa');
  const { stdout } = await execa('ps', ['-A', '-ww', '-o', 'pid=,ppid=,args='], { env: { LC_ALL: 'C' }, stdin: 'ignore', stderr: 'ignore', reject: false, maxBuffer: 16 * 1024 * 1024 });
  const prefixes = [...new Set([folder, named])].map((path) => (path.endsWith(sep) ? path : path + sep));
  const holders: FolderHolder[] = [];
  for (const line of (typeof stdout === 'string' ? stdout : '').split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    const pid = Number(match?.[1]);
    const command = match?.[3] ?? '';
    if (!match || pid === process.pid) continue;
    // ps joins the arguments with spaces, and a folder may contain some ("My App.app"): the program lies under
    // the folder when the command line begins with the folder's path; ps shows the path the program was started by,
    // not resolved, so the folder counts both as named and resolved (macOS: /tmp and /var are links to /private)
    const prefix = prefixes.find((candidate) => command.startsWith(candidate));
    if (prefix === undefined || isAppHelper(command.split(/\s+/))) continue;
    const program = prefix + (command.slice(prefix.length).split(/\s+-/)[0] ?? '').trim();
    holders.push({ pid, command: tidyCommand(command), file: plainText(program) });
  }
  return holders;
}

const powerShellQuery = "Get-CimInstance Win32_Process | ForEach-Object { '{0} {1} {2}' -f $_.ExecutablePath, $_.ParentProcessId, $_.ProcessId }";

/** The table's pids with their images asked of the kernel (koffi), as `<image> <parent> <pid>` lines; undefined without koffi. */
async function kernelImages(): Promise<string[] | undefined> {
  const { loadImageReader } = await import('../platform/windows-image.js');
  const read = await loadImageReader();
  if (!read) return undefined;
  const { windowsProcessTable } = await import('../platform/windows-table.js');
  const lines: string[] = [];
  const table = await windowsProcessTable();
  for (let start = 0; start < table.length; start += 64) {
    // each call is short, but a table of thousands read in one go would hold the event loop
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const row of table.slice(start, start + 64)) lines.push(`${read(row.pid) ?? ''} ${row.parentPid} ${row.pid}`);
  }
  return lines;
}

/**
 * Every process's image (or command line, which begins with it), parent and pid: from the kernel
 * where koffi loads, else wmic's ExecutablePath where it exists, its CommandLine where that column is missing (Wine), PowerShell
 * where wmic is missing (Windows 11 24H2).
 */
async function windowsImages(): Promise<string[]> {
  const fromKernel = await kernelImages();
  if (fromKernel) return fromKernel;
  const { execa } = await import('execa');
  const { decodeWindowsOutput } = await import('../platform/windows-table.js');
  const options = { encoding: 'buffer', stdin: 'ignore', stderr: 'ignore', reject: false, windowsHide: true, maxBuffer: 64 * 1024 * 1024 } as const;
  for (const [command, args] of [
    ['wmic', ['process', 'get', 'ExecutablePath,ParentProcessId,ProcessId']],
    ['wmic', ['process', 'get', 'CommandLine,ParentProcessId,ProcessId']],
    ['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', powerShellQuery]],
  ] as const) {
    const result = await execa(command, args, options);
    const text = result.exitCode === 0 && result.stdout instanceof Uint8Array ? decodeWindowsOutput(result.stdout) : '';
    // Wine's wmic answers an unknown column with exit code 0 and "Error: Invalid query"
    if (/^\s*(ExecutablePath|CommandLine)/i.test(text) || (command !== 'wmic' && text.trim() !== '')) return text.split(/\r?\n/);
  }
  throw new Error('cannot list processes: neither wmic nor powershell.exe answered');
}

/**
 * Windows: which lines of the process table (image or command line, parent pid, pid) run a program
 * from `folder`; the app itself, and its own image in its own helpers, are the installer's to wait for.
 */
export function windowsHoldersIn(lines: string[], folder: string, self: { pid: number; execPath: string }): FolderHolder[] {
  const prefix = (folder.endsWith('\\') ? folder : `${folder}\\`).toLowerCase();
  const own = self.execPath.toLowerCase();
  const holders: FolderHolder[] = [];
  for (const line of lines) {
    // the path may contain spaces; the two numbers end the line (wmic's header has none and is skipped)
    const match = /^(.*?)\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (!match) continue;
    // a command line quotes its program when the path has spaces
    const image = (match[1] ?? '').trim().replace(/^"/, '');
    const parent = Number(match[2]);
    const pid = Number(match[3]);
    const lower = image.toLowerCase();
    if (pid === self.pid || !lower.startsWith(prefix)) continue;
    if (lower.startsWith(own) && parent === self.pid) continue;
    const program = image.slice(0, image.includes('"') ? image.indexOf('"') : undefined).trim();
    holders.push({ pid, command: tidyCommand(image), file: plainText(program) });
  }
  return holders;
}

/**
 * The processes of this app, other than the app itself and Electron's own helpers, that still hold
 * a file under `folder` (the folder an installer replaces). Linux reads /proc: executables, working
 * directories, open and mapped files of the processes started below this one or by a supervisor.
 * macOS and other POSIX systems, and Windows, see programs whose image lies under the folder.
 * Read without blocking the event loop.
 *
 * @example
 * const holders = await folderHolders(dirname(process.execPath));
 * if (holders.length > 0) console.warn(`still in use: ${holders.map((h) => `${h.pid} ${h.file}`).join('; ')}`);
 */
export async function folderHolders(folder: string, strategy = process.env.BACKEND_LIFECYCLE_PLATFORM): Promise<FolderHolder[]> {
  const resolved = await realpath(folder);
  if (process.platform === 'win32') return windowsHoldersIn(await windowsImages(), resolved, { pid: process.pid, execPath: process.execPath });
  return process.platform === 'linux' && strategy !== 'ps' ? linuxHolders(resolved) : psHolders(resolved, resolve(folder));
}
