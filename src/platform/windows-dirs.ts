/**
 * The folder under which the default state and log folders go on Windows: the temp folder, except
 * where that is the machine's shared `%SystemRoot%\Temp` (a service running as SYSTEM gets it, and
 * every user may create files there): then the account's own `%LOCALAPPDATA%`, which only it and
 * administrators can write (for SYSTEM: `…\system32\config\systemprofile\AppData\Local`).
 *
 * @example
 * windowsDefaultBase({ SystemRoot: 'C:\\Windows', LOCALAPPDATA: 'C:\\Windows\\system32\\config\\systemprofile\\AppData\\Local' }, 'C:\\Windows\\Temp');
 * // → 'C:\\Windows\\system32\\config\\systemprofile\\AppData\\Local'
 */
export function windowsDefaultBase(env: NodeJS.ProcessEnv, temp: string): string {
  const variable = (name: string) => Object.entries(env).find(([key, value]) => key.toUpperCase() === name && value)?.[1];
  const systemRoot = variable('SYSTEMROOT') ?? variable('WINDIR');
  const local = variable('LOCALAPPDATA');
  const normalized = temp.replaceAll('/', '\\').replace(/\\+$/, '').toLowerCase();
  const shared = systemRoot !== undefined && normalized.startsWith(`${systemRoot.replace(/\\+$/, '').toLowerCase()}\\`);
  return shared && local ? local : temp;
}
