import { describe, expect, it } from 'vitest';
import { treeBelow } from '../../src/platform/windows.js';
import { decodeWindowsOutput, parsePowerShellTable, parseWmicTable, type WindowsProcess } from '../../src/platform/windows-table.js';

// wmic's output as Wine 8 prints it (two columns run together in the header, widths that do not match)
const wineBasic = '\uFEFFParentProcessIDProcessID\r\n0    32   \r\n40   56   \r\n32   272  \r\n272  308  \r\n';
const wineNamed = '\uFEFFName            ParentProcessID ProcessID       \r\nnode.exe        0               32              \r\npython.exe      32              272             \r\n';
// and as Windows prints it: alphabetical columns, creation dates, names with spaces
const windows = [
  'CreationDate               Name                 ParentProcessId  ProcessId  ',
  '                           System Idle Process  0                0          ',
  '                           Secure System        4                140        ',
  '20261124101500.500000+060  node.exe             900              1000       ',
  '20261124101501.000000+060  python.exe           1000             1004       ',
  '20261124101502.250000+060  python.exe           1004             1008       ',
  '',
].join('\r\n');

const row = (pid: number, parentPid: number, created?: number, name = 'python.exe'): WindowsProcess => ({ pid, parentPid, name, created: created === undefined ? undefined : BigInt(created) });
const pids = (rows: WindowsProcess[]) => rows.map((entry) => entry.pid).sort((a, b) => a - b);

describe('the Windows process table', () => {
  it('reads wmic as Wine prints it, header run together and all', () => {
    expect(parseWmicTable(wineBasic)).toEqual([row(32, 0), row(56, 40), row(272, 32), row(308, 272)].map((entry) => ({ ...entry, name: '' })));
    expect(parseWmicTable(wineNamed)).toEqual([row(32, 0, undefined, 'node.exe'), row(272, 32)]);
  });

  it('decodes wmic\'s UTF-16 bytes, with a byte order mark (Wine) or without, and plain UTF-8 (PowerShell)', () => {
    const utf16 = Buffer.from(wineNamed, 'utf16le');
    expect(utf16[0]).toBe(0xff);
    expect(parseWmicTable(decodeWindowsOutput(utf16))).toEqual(parseWmicTable(wineNamed));
    expect(decodeWindowsOutput(Buffer.from('Name  ProcessId\r\n', 'utf16le'))).toBe('Name  ProcessId\r\n');
    expect(decodeWindowsOutput(Buffer.from('4 0  System\r\n', 'utf8'))).toBe('4 0  System\r\n');
  });

  it('reads wmic as Windows prints it: creation dates that sort in time order, names with spaces', () => {
    const rows = parseWmicTable(windows);
    expect(rows.map((entry) => [entry.pid, entry.parentPid, entry.name])).toEqual([
      [140, 4, 'Secure System'],
      [1000, 900, 'node.exe'],
      [1004, 1000, 'python.exe'],
      [1008, 1004, 'python.exe'],
    ]);
    const [secure, first, second] = rows;
    expect(secure?.created).toBeUndefined();
    expect(first?.created).toBe(20261124101500500000n);
    expect((second?.created ?? 0n) > (first?.created ?? 0n)).toBe(true);
  });

  it('reads the PowerShell fallback (Windows 11 24H2 has no wmic), and nothing from noise', () => {
    expect(parsePowerShellTable('4 0  System\r\n1004 1000 134087433015000000 python.exe\r\n')).toEqual([row(4, 0, undefined, 'System'), row(1004, 1000, 134087433015000000)]);
    expect(parsePowerShellTable('not a table\r\n')).toEqual([]);
    expect(parseWmicTable('Error: Invalid query\r\n')).toEqual([]);
  });
});

describe("a backend's tree on Windows", () => {
  const leader = row(100, 1, 10);
  it('is the leader and everything below it by parent pid, children of finished members included', () => {
    const table = [row(1, 0, 1), leader, row(104, 100, 11), row(108, 104, 12), row(112, 1, 13), row(116, 999, 14)];
    expect(pids(treeBelow(table, new Map([[100, leader]])))).toEqual([100, 104, 108]);
    // the leader exited: its children keep its pid as their parent's, and are still found
    expect(pids(treeBelow(table.filter((entry) => entry.pid !== 100), new Map([[100, leader]])))).toEqual([104, 108]);
    // a member in the middle exited too
    expect(pids(treeBelow([row(108, 104, 12)], new Map([[100, leader], [104, row(104, 100, 11)]])))).toEqual([108]);
  });

  it('never takes a stranger who got a recycled pid, nor its children', () => {
    const stranger = row(100, 1, 50, 'notepad.exe');
    const table = [stranger, row(104, 100, 11), row(120, 100, 60)];
    // 104 was started by our leader (before the stranger existed); 120 by the stranger
    expect(pids(treeBelow(table, new Map([[100, leader]])))).toEqual([104]);
    // a child older than the parent pid it names belongs to an earlier owner of that pid
    expect(pids(treeBelow([row(100, 1, 10), row(104, 100, 5)], new Map([[100, undefined]])))).toEqual([100]);
    // without creation times (Wine), a pid now held by another image takes none of its children
    const noTimes = treeBelow([row(100, 1, undefined, 'notepad.exe'), row(104, 100)], new Map([[100, row(100, 1, undefined, 'python.exe')]]));
    expect(noTimes).toEqual([]);
  });
});
