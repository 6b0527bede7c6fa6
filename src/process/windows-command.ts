import { statSync } from 'node:fs';
import { win32 } from 'node:path';

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** An environment variable on Windows, where `Path` and `PATH` are one name. */
export function windowsVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const upper = name.toUpperCase();
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === upper && env[candidate] !== undefined);
  return key === undefined ? undefined : env[key];
}

/** The extensions Windows runs by itself, upper case: from PATHEXT, else its default. */
function runnableExtensions(env: NodeJS.ProcessEnv): string[] {
  const listed = (windowsVariable(env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').map((extension) => extension.trim().toUpperCase());
  return listed.filter((extension) => /^\.[^.\\/]+$/.test(extension));
}

/**
 * The file a command names on Windows, found the way cmd.exe finds it: in `cwd`, then along PATH
 * (entries may be quoted, `"C:\Program Files\My Backend\bin"`, as Windows allows), as given when
 * it already ends in a PATHEXT extension, then with each PATHEXT extension. A file without such an
 * extension (a POSIX launcher with a shebang) is not a program on Windows and is never taken.
 * Undefined when there is none: execa would otherwise hand an unknown command to cmd.exe, which
 * "starts" and exits with 9009 instead of failing to spawn.
 */
export function findWindowsCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = runnableExtensions(env);
  const given = extensions.includes(win32.extname(command).toUpperCase()) ? [command] : [];
  const names = [...given, ...extensions.map((extension) => `${command}${extension.toLowerCase()}`)];
  const named = /[\\/]/.test(command) || win32.isAbsolute(command);
  const path = (windowsVariable(env, 'PATH') ?? '').split(';').map((dir) => dir.replaceAll('"', '').trim());
  const dirs = named ? [cwd] : [cwd, ...path.filter((dir) => dir !== '')];
  for (const dir of dirs) {
    for (const name of names) {
      // a relative PATH entry counts from the backend's cwd, as the spawned process would see it
      const candidate = win32.resolve(cwd, dir, name);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** True for a batch file (`.bat`, `.cmd`), which only cmd.exe can run. */
export const isBatchFile = (file: string): boolean => /\.(bat|cmd)$/i.test(file);

/** True for a file Windows starts without cmd.exe: an `.exe` or `.com` program (anything else in PATHEXT, `.js` say, goes through cmd.exe). */
const isProgram = (file: string): boolean => /\.(exe|com)$/i.test(file);

/** cmd.exe by its full path where the system says where it is, so no PATH can put another one first. */
function commandProcessor(): string {
  const systemRoot = windowsVariable(process.env, 'SystemRoot') ?? windowsVariable(process.env, 'windir');
  return windowsVariable(process.env, 'ComSpec') ?? (systemRoot ? win32.join(systemRoot, 'System32', 'cmd.exe') : 'cmd.exe');
}

// characters cmd.exe gives no meaning to, inside a batch file's %* or outside quotes
const plain = /^[A-Za-z0-9#$*+\-./:?@\\_]+$/;

/**
 * Why an argument cannot reach a batch file intact and harmless, or undefined when it can. A line
 * break ends the command line inside cmd.exe: what follows it would run as a command of its own.
 */
export function batchArgumentProblem(arg: string): string | undefined {
  if (/[\r\n]/.test(arg)) return 'it contains a line break, which ends the command line inside cmd.exe (what follows would run as a command)';
  if (arg.includes('\0')) return 'it contains a NUL byte';
  // %NAME% is expanded inside quotes too; the known escape (an empty %cd:~,% after each %) fails
  // under Wine's cmd.exe and a launcher that uses `call … %*` expands a second time
  if (arg.includes('%')) return 'it contains %, which cmd.exe expands as a variable reference (%NAME%) even inside quotes';
  return undefined;
}

/**
 * One argument as cmd.exe must see it for a batch file: in double quotes unless it is plain (so
 * `&`, `|`, `<`, `>`, `^` and spaces stay text, also where the script re-parses `%*`), an inner `"`
 * doubled (cmd stays inside quotes, and the C runtime of the program the script runs reads one `"`),
 * and the backslashes before a quote doubled. `%` and line breaks have no escape that holds: see
 * `batchArgumentProblem`, which refuses them first.
 */
export function quoteBatchArgument(arg: string, always = false): string {
  const quote = always || arg === '' || arg.endsWith('\\') || !plain.test(arg);
  let text = '';
  let backslashes = 0;
  for (const char of arg) {
    if (char === '\\') {
      backslashes++;
      text += char;
      continue;
    }
    if (char === '"') text += `${'\\'.repeat(backslashes)}"`;
    backslashes = 0;
    text += char;
  }
  return quote ? `"${text}${'\\'.repeat(backslashes)}"` : text;
}

/** How a command is started on Windows: the file itself, or cmd.exe with a command line of ours for a batch file. */
export interface WindowsLaunch {
  file: string;
  args: string[];
  /** True when `args` are a finished command line (cmd.exe's), which Node must pass as they are. */
  verbatim: boolean;
  /** The program the command names (the batch file itself for a launcher). */
  resolved: string;
}

/**
 * The launch of `command` on Windows, one rule for the lookup and the spawn: the file that
 * `findWindowsCommand` finds is the file started. A batch file (or any other file that is not an
 * `.exe`/`.com` program but has a PATHEXT extension, such as `.js`) runs through cmd.exe with every
 * argument quoted by `quoteBatchArgument` (never by execa/cross-spawn, whose escaping cmd.exe
 * undoes when the script forwards `%*`: CVE-2024-27980, "BatBadBut"). Returns undefined when the
 * command is not found, or a string naming the argument that cannot be passed to a batch file.
 */
export function windowsLaunch(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): WindowsLaunch | string | undefined {
  const resolved = findWindowsCommand(command, cwd, env);
  if (resolved === undefined) return undefined;
  if (isProgram(resolved)) return { file: resolved, args: [...args], verbatim: false, resolved };
  if (resolved.includes('%')) return `command ${JSON.stringify(command)} resolves to the batch file ${resolved}, whose path contains %, which cmd.exe would expand`;
  for (const [index, arg] of args.entries()) {
    const problem = batchArgumentProblem(arg);
    if (problem) return `args[${index}] (${JSON.stringify(arg)}) cannot be passed to the batch file ${resolved}: ${problem}`;
  }
  const line = [quoteBatchArgument(resolved, true), ...args.map((arg) => quoteBatchArgument(arg))].join(' ');
  const shell = commandProcessor();
  // /d: no AutoRun commands; /e:on /v:off: the same expansion rules on every machine; /s /c "…": the line as it is
  return { file: shell, args: ['/d', '/e:ON', '/v:OFF', '/s', '/c', `"${line}"`], verbatim: true, resolved };
}

/**
 * Sets (or, with `undefined`, removes) a variable in an environment about to be handed to a
 * process. On Windows names are case-insensitive: `PATH` replaces an inherited `Path`, so the
 * lookup above and the process itself read the same value.
 */
export function setVariable(env: NodeJS.ProcessEnv, name: string, value: string | undefined, windows = process.platform === 'win32'): void {
  if (windows) {
    for (const key of Object.keys(env)) if (key !== name && key.toUpperCase() === name.toUpperCase()) delete env[key];
  }
  if (value === undefined) delete env[name];
  else env[name] = value;
}
