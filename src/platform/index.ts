import { invalidOption } from '../errors.js';
import { linuxProcPlatform } from './linux-proc.js';
import { posixPsPlatform } from './posix-ps.js';
import type { ProcessPlatform } from './types.js';
import { windowsPlatform } from './windows.js';

export type { ProcessPlatform } from './types.js';

const strategies: Record<string, ProcessPlatform> = { proc: linuxProcPlatform, ps: posixPsPlatform };

/**
 * The process strategy of this machine: /proc on Linux, the process tree on Windows, `ps` on
 * other POSIX systems (macOS, the BSDs). The environment variable BACKEND_LIFECYCLE_PLATFORM=ps|proc
 * forces a POSIX one (the test suite runs the `ps` strategy on Linux that way).
 */
export function processPlatform(): ProcessPlatform {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  if (forced !== undefined && forced !== '') {
    const strategy = strategies[forced];
    if (!strategy) throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', '"proc" or "ps"', forced);
    if (process.platform === 'win32') throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', 'unset on Windows (POSIX strategies need process groups)', forced);
    return strategy;
  }
  if (process.platform === 'win32') return windowsPlatform;
  return process.platform === 'linux' ? linuxProcPlatform : posixPsPlatform;
}
