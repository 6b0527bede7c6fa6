import { loadedExeca, loadExeca } from './load-execa.js';

/** One row of the Windows process table. */
export interface WindowsProcess {
  pid: number;
  parentPid: number;
  /** Image name, e.g. `python.exe`. */
  name: string;
  /** Creation time as a sortable number (100 ns units or digits of a WMI datetime); undefined where the system does not tell. */
  created: bigint | undefined;
}

const wmicColumns = ['CreationDate', 'Name', 'ParentProcessId', 'ProcessId'];

const toolOptions = { encoding: 'buffer', stdin: 'ignore', stderr: 'ignore', reject: false, windowsHide: true, maxBuffer: 64 * 1024 * 1024 } as const;

const output = (result: { exitCode?: number; stdout: unknown }): Buffer | undefined =>
  result.exitCode === 0 && result.stdout instanceof Uint8Array ? Buffer.from(result.stdout) : undefined;

/** Runs a tool without blocking the event loop; undefined when it failed or could not start. */
async function run(command: string, args: string[]): Promise<Buffer | undefined> {
  const { execa } = await loadExeca();
  return output(await execa(command, args, toolOptions));
}

/** The exit hook's variant: Node is exiting, the event loop will not turn again (execa came with the spawn). */
function runSync(command: string, args: string[]): Buffer | undefined {
  const execa = loadedExeca();
  return execa ? output(execa.execaSync(command, args, toolOptions)) : undefined;
}

type Runner = (command: string, args: string[]) => Buffer | undefined | Promise<Buffer | undefined>;

/** wmic writes UTF-16LE to a pipe, with a byte order mark (Wine) or without: zeros between ASCII letters give it away. */
export function decodeWindowsOutput(output: Uint8Array): string {
  const bytes = Buffer.from(output);
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes.length > 1 && bytes[1] === 0);
  return bytes.toString(utf16 ? 'utf16le' : 'utf8').replace(/^\uFEFF/, '');
}

/** A WMI datetime `20261124104512.123456+060` as digits that sort in time order (one zone per machine). */
function wmiDate(text: string): bigint | undefined {
  const match = /^(\d{14})\.(\d{6})/.exec(text);
  return match ? BigInt(`${match[1]}${match[2]}`) : undefined;
}

/** The columns of a wmic header in their order (wmic picks it; Wine may run two names together). */
function headerOrder(header: string): string[] {
  const lower = header.toLowerCase();
  const taken: Array<{ column: string; start: number; end: number }> = [];
  // longest names first, so ProcessId is not found inside ParentProcessId
  for (const column of [...wmicColumns].sort((a, b) => b.length - a.length)) {
    const name = column.toLowerCase();
    for (let at = lower.indexOf(name); at >= 0; at = lower.indexOf(name, at + 1)) {
      if (taken.some((other) => at < other.end && at + name.length > other.start)) continue;
      taken.push({ column, start: at, end: at + name.length });
      break;
    }
  }
  return taken.sort((a, b) => a.start - b.start).map(({ column }) => column);
}

/**
 * Parses wmic's table. Values are read as words, not by column width (Wine's widths do not match
 * its header); only Name may contain spaces, so the words before and after it are the others.
 */
export function parseWmicTable(text: string): WindowsProcess[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const order = headerOrder(lines.shift() ?? '');
  const nameAt = order.indexOf('Name');
  const rows: WindowsProcess[] = [];
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    // a process WMI gives no creation date (the idle process, protected ones) leaves that column blank
    if (order[0] === 'CreationDate' && wmiDate(words[0] ?? '') === undefined) words.unshift('');
    const after = nameAt < 0 ? 0 : order.length - nameAt - 1;
    const values = new Map<string, string>();
    order.forEach((column, index) => {
      if (index === nameAt) values.set(column, words.slice(index, words.length - after).join(' '));
      else values.set(column, (index < nameAt || nameAt < 0 ? words[index] : words[words.length - (order.length - index)]) ?? '');
    });
    const pid = Number(values.get('ProcessId'));
    const parentPid = Number(values.get('ParentProcessId'));
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(parentPid)) continue;
    rows.push({ pid, parentPid, name: values.get('Name') ?? '', created: wmiDate(values.get('CreationDate') ?? '') });
  }
  return rows;
}

/** Parses the PowerShell fallback's lines: `<pid> <parent pid> <creation FILETIME> <name>`. */
export function parsePowerShellTable(text: string): WindowsProcess[] {
  return text.split(/\r?\n/).flatMap((line) => {
    const match = /^(\d+) (\d+) (\d*) (.*)$/.exec(line.trim());
    if (!match) return [];
    return [{ pid: Number(match[1]), parentPid: Number(match[2]), name: match[4] ?? '', created: match[3] ? BigInt(match[3]) : undefined }];
  });
}

const powerShellQuery =
  "Get-CimInstance Win32_Process | ForEach-Object { '{0} {1} {2} {3}' -f $_.ProcessId, $_.ParentProcessId, $(if ($_.CreationDate) { $_.CreationDate.ToFileTimeUtc() } else { '' }), $_.Name }";

// which source answered last time: wmic with creation dates (Windows up to 11 23H2), wmic without
// them (Wine has no CreationDate), or PowerShell (Windows 11 24H2 and later ship without wmic)
let source: 'wmic' | 'wmic-basic' | 'powershell' | undefined;

async function fromWmic(runner: Runner, columns: string[]): Promise<WindowsProcess[] | undefined> {
  const bytes = await runner('wmic', ['process', 'get', columns.join(',')]);
  if (!bytes) return undefined;
  const rows = parseWmicTable(decodeWindowsOutput(bytes));
  return rows.length > 0 ? rows : undefined;
}

async function fromPowerShell(runner: Runner): Promise<WindowsProcess[] | undefined> {
  const bytes = await runner('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', powerShellQuery]);
  if (!bytes) return undefined;
  const rows = parsePowerShellTable(decodeWindowsOutput(bytes));
  return rows.length > 0 ? rows : undefined;
}

/** Thrown when no source of the process table answers (AppLocker, a PATH without System32). */
export class ProcessTableUnavailable extends Error {
  readonly code = 'PROCESS_TABLE_UNAVAILABLE';
  constructor() {
    super('cannot list processes: neither wmic nor powershell.exe answered (both ship with Windows; is PATH or SystemRoot missing from the environment, or are they blocked by policy?)');
  }
}

function attempts(runner: Runner): Array<[NonNullable<typeof source>, () => Promise<WindowsProcess[] | undefined>]> {
  const list: Array<[NonNullable<typeof source>, () => Promise<WindowsProcess[] | undefined>]> = [
    ['wmic', () => fromWmic(runner, wmicColumns)],
    ['wmic-basic', () => fromWmic(runner, ['Name', 'ParentProcessId', 'ProcessId'])],
    ['powershell', () => fromPowerShell(runner)],
  ];
  // the source that answered last time first: each failed attempt costs a process start
  return list.sort(([a], [b]) => Number(b === source) - Number(a === source));
}

/**
 * Every process of this Windows machine with its parent and creation time, from the first source
 * that answers, without blocking the event loop. Rejects with `ProcessTableUnavailable` when none
 * does: a tree that cannot be seen cannot be walked (the caller ends what it holds a handle to).
 */
export async function windowsProcessTable(): Promise<WindowsProcess[]> {
  for (const [name, attempt] of attempts(run)) {
    const rows = await attempt();
    if (rows) {
      source = name;
      return rows;
    }
  }
  throw new ProcessTableUnavailable();
}

/** The same table read synchronously: only for the exit hook (Node is exiting). Undefined when unreadable. */
export function windowsProcessTableSync(): WindowsProcess[] | undefined {
  const read: Record<NonNullable<typeof source>, () => WindowsProcess[]> = {
    wmic: () => parseWmic(runSync('wmic', ['process', 'get', wmicColumns.join(',')])),
    'wmic-basic': () => parseWmic(runSync('wmic', ['process', 'get', 'Name,ParentProcessId,ProcessId'])),
    powershell: () => {
      const bytes = runSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', powerShellQuery]);
      return bytes ? parsePowerShellTable(decodeWindowsOutput(bytes)) : [];
    },
  };
  // the source that answered last time first: Node is exiting, each failed attempt delays it
  const order = (['wmic', 'wmic-basic', 'powershell'] as const).slice().sort((a, b) => Number(b === source) - Number(a === source));
  for (const name of order) {
    const rows = read[name]();
    if (rows.length > 0) return rows;
  }
  return undefined;
}

const parseWmic = (bytes: Buffer | undefined): WindowsProcess[] => (bytes ? parseWmicTable(decodeWindowsOutput(bytes)) : []);
