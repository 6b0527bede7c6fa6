import { invalidOption } from '../errors.js';
import { linuxProcPlatform } from './linux-proc.js';
import type { ProcessPlatform } from './types.js';
import { windowsPlatform } from './windows.js';

export type { ProcessPlatform } from './types.js';

// `ps` runs through execa: its strategy (and execa with it) loads only where it is chosen, so a
// Linux or Windows start loads neither before its spawn
let posixPs: Promise<ProcessPlatform> | undefined;
let posixPsLoaded: ProcessPlatform | undefined;
const loadPosixPs = () => {
  posixPs ??= import('./posix-ps.js').then(({ posixPsPlatform }) => {
    posixPsLoaded = posixPsPlatform;
    return posixPsPlatform;
  });
  return posixPs;
};

/** Which strategy this machine uses: forced by BACKEND_LIFECYCLE_PLATFORM=ps|proc, else by the operating system. */
function chosenStrategy(): 'proc' | 'ps' | 'windows' {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'proc' && forced !== 'ps') throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', '"proc" or "ps"', forced);
    if (process.platform === 'win32') throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', 'unset on Windows (POSIX strategies need process groups)', forced);
    return forced;
  }
  if (process.platform === 'win32') return 'windows';
  return process.platform === 'linux' ? 'proc' : 'ps';
}

/**
 * Loads the process strategy of this machine: /proc on Linux, the process tree on Windows, `ps` on
 * other POSIX systems (macOS, the BSDs). The environment variable BACKEND_LIFECYCLE_PLATFORM=ps|proc
 * forces a POSIX one (the test suite runs the `ps` strategy on Linux that way).
 *
 * @example
 * const strategy = await loadProcessPlatform();
 * strategy.isAlive(process.pid); // true
 */
export async function loadProcessPlatform(): Promise<ProcessPlatform> {
  const chosen = chosenStrategy();
  if (chosen === 'ps') return loadPosixPs();
  return chosen === 'windows' ? windowsPlatform : linuxProcPlatform;
}

/**
 * The process strategy of this machine (see `loadProcessPlatform`), for callers that cannot await:
 * the `ps` strategy must have been loaded by then (every launch awaits it before its spawn).
 */
export function processPlatform(): ProcessPlatform {
  const chosen = chosenStrategy();
  if (chosen === 'windows') return windowsPlatform;
  if (chosen === 'proc') return linuxProcPlatform;
  if (!posixPsLoaded) throw new Error('the ps process strategy is not loaded: await loadProcessPlatform() first');
  return posixPsLoaded;
}
