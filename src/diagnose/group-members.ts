import { readdir, readFile } from 'node:fs/promises';

/** A live process of a backend's group, as a stop report names it. */
export interface GroupMember {
  pid: number;
  /** Its command line (arguments joined by spaces), cut to 200 characters. */
  command: string;
}

const maxCommand = 200;
/** A text from another process (a command line, a file name) with its control characters shown as spaces: it goes to terminals and dialogs. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
export const plainText = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
/** A command line made plain and cut to 200 characters. */
export const tidyCommand = (text: string) => plainText(text).slice(0, maxCommand);

async function linuxMember(pid: number, pgid: number): Promise<GroupMember | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid || fields[0] === 'Z') return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { pid, command: tidyCommand(cmdline.split('\0').join(' ')) || `[${tidyCommand(name)}]` };
  } catch {
    return undefined; // gone meanwhile, or not readable
  }
}

async function linuxGroup(pgid: number): Promise<GroupMember[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  const members: GroupMember[] = [];
  // in slices: a thousand open files at once would be rude on a busy machine
  for (let start = 0; start < pids.length; start += 64) {
    const slice = await Promise.all(pids.slice(start, start + 64).map((pid) => linuxMember(pid, pgid)));
    for (const member of slice) if (member) members.push(member);
  }
  return members;
}

async function psGroup(pgid: number): Promise<GroupMember[]> {
  const { execFile } = await import('node:child_process');
  const text = await new Promise<string>((resolve) => {
    execFile('ps', ['-A', '-ww', '-o', 'pid=,pgid=,stat=,args='], { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (_error, stdout) =>
      resolve(typeof stdout === 'string' ? stdout : ''),
    );
  });
  const members: GroupMember[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match || Number(match[2]) !== pgid || match[3]?.startsWith('Z')) continue;
    members.push({ pid: Number(match[1]), command: tidyCommand(match[4] ?? '') });
  }
  return members;
}

/** Windows: the backend's tree (its Job Object's list and the walk by parent pid), named by image from the process table. */
async function windowsGroup(leader: number): Promise<GroupMember[]> {
  const { windowsPlatform } = await import('../platform/windows.js');
  const { windowsProcessTable } = await import('../platform/windows-table.js');
  const pids = await windowsPlatform.groupMembers(leader);
  if (pids.length === 0) return [];
  const names = new Map((await windowsProcessTable().catch(() => [])).map((row) => [row.pid, row.name]));
  return pids.map((pid) => ({ pid, command: tidyCommand(names.get(pid) ?? '') || '[unknown image]' }));
}

/**
 * The live members of a backend's process group with their command lines, read without blocking
 * (Linux: /proc; other POSIX systems: one `ps`; Windows: the backend's tree, named by image).
 *
 * @example
 * for (const { pid, command } of await groupMembersWithCommands(pgid)) console.log(pid, command);
 */
export async function groupMembersWithCommands(pgid: number, strategy = process.env.BACKEND_LIFECYCLE_PLATFORM): Promise<GroupMember[]> {
  try {
    if (process.platform === 'win32') return await windowsGroup(pgid);
    return process.platform === 'linux' && strategy !== 'ps' ? await linuxGroup(pgid) : await psGroup(pgid);
  } catch {
    return [];
  }
}
