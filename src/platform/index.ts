import { invalidOption } from '../errors.js';
import { linuxProcPlatform } from './linux-proc.js';
import { posixPsPlatform } from './posix-ps.js';
import type { ProcessPlatform } from './types.js';

export type { ProcessPlatform } from './types.js';

const strategies: Record<string, ProcessPlatform> = { proc: linuxProcPlatform, ps: posixPsPlatform };

/**
 * The process strategy of this machine: /proc on Linux, `ps` on other POSIX systems. The
 * environment variable BACKEND_LIFECYCLE_PLATFORM=ps|proc forces one (the test suite runs the
 * `ps` strategy on Linux that way). Windows has no process groups or POSIX signals: it is
 * refused at creation with INVALID_OPTIONS instead of hanging in a stop that cannot work.
 */
export function processPlatform(): ProcessPlatform {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  if (forced !== undefined && forced !== '') {
    const strategy = strategies[forced];
    if (!strategy) throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', '"proc" or "ps"', forced);
    return strategy;
  }
  if (process.platform === 'win32') {
    throw invalidOption(
      'platform',
      'a POSIX system',
      process.platform,
      'Windows is not supported yet: stopping a backend there needs tree termination, which this version does not have (a stop would never finish)',
    );
  }
  return process.platform === 'linux' ? linuxProcPlatform : posixPsPlatform;
}
