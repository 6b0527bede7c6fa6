import { execaSync } from 'execa';

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

function run(command: string, args: string[]): Buffer | undefined {
  const result = execaSync(command, args, { encoding: 'buffer', stdin: 'ignore', stderr: 'ignore', reject: false, windowsHide: true, maxBuffer: 64 * 1024 * 1024 });
  return result.exitCode === 0 && result.stdout instanceof Uint8Array ? Buffer.from(result.stdout) : undefined;
}

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

function fromWmic(columns: string[]): WindowsProcess[] | undefined {
  const output = run('wmic', ['process', 'get', columns.join(',')]);
  if (!output) return undefined;
  const rows = parseWmicTable(decodeWindowsOutput(output));
  return rows.length > 0 ? rows : undefined;
}

function fromPowerShell(): WindowsProcess[] | undefined {
  const output = run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', powerShellQuery]);
  if (!output) return undefined;
  const rows = parsePowerShellTable(decodeWindowsOutput(output));
  return rows.length > 0 ? rows : undefined;
}

/**
 * Every process of this Windows machine with its parent and creation time, from the first source
 * that answers. Throws when none does: a tree that cannot be seen cannot be stopped safely.
 */
export function windowsProcessTable(): WindowsProcess[] {
  const attempts: Array<[NonNullable<typeof source>, () => WindowsProcess[] | undefined]> = [
    ['wmic', () => fromWmic(wmicColumns)],
    ['wmic-basic', () => fromWmic(['Name', 'ParentProcessId', 'ProcessId'])],
    ['powershell', fromPowerShell],
  ];
  // the source that answered last time first: each failed attempt costs a process start
  attempts.sort(([a], [b]) => Number(b === source) - Number(a === source));
  for (const [name, attempt] of attempts) {
    const rows = attempt();
    if (rows) {
      source = name;
      return rows;
    }
  }
  throw new Error('cannot list processes: neither wmic nor powershell.exe answered (both ship with Windows; is PATH or SystemRoot missing from the environment?)');
}
