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
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/**
 * The file a command names on Windows, found the way cmd.exe finds it: as given, then with each
 * PATHEXT extension, in `cwd` and along PATH. Undefined when there is none: execa would otherwise
 * hand an unknown command to cmd.exe, which "starts" and exits with 9009 instead of failing to spawn.
 */
export function findWindowsCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = (variable(env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((extension) => extension !== '');
  const names = [command, ...extensions.map((extension) => `${command}${extension}`)];
  const named = /[\\/]/.test(command) || win32.isAbsolute(command);
  const dirs = named ? [cwd] : [cwd, ...(variable(env, 'PATH') ?? '').split(';').filter((dir) => dir !== '')];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = win32.resolve(dir, name);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}
