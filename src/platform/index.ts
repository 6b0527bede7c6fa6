import { invalidOption } from '../errors.js';
import { linuxProcPlatform } from './linux-proc.js';
import { posixPsPlatform } from './posix-ps.js';
import { refuseUnsupportedPlatform } from './supported.js';
import type { ProcessPlatform } from './types.js';

export type { ProcessPlatform } from './types.js';

const strategies: Record<string, ProcessPlatform> = { proc: linuxProcPlatform, ps: posixPsPlatform };

/**
 * The process strategy of this machine: /proc on Linux, `ps` on other POSIX systems. The
 * environment variable BACKEND_LIFECYCLE_PLATFORM=ps|proc forces one (the test suite runs the
 * `ps` strategy on Linux that way). Windows is refused (see `refuseUnsupportedPlatform`).
 */
export function processPlatform(): ProcessPlatform {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  if (forced !== undefined && forced !== '') {
    const strategy = strategies[forced];
    if (!strategy) throw invalidOption('BACKEND_LIFECYCLE_PLATFORM', '"proc" or "ps"', forced);
    return strategy;
  }
  refuseUnsupportedPlatform();
  return process.platform === 'linux' ? linuxProcPlatform : posixPsPlatform;
}
