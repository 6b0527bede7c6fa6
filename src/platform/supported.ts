import { invalidOption } from '../errors.js';

/**
 * Refuses a system whose processes this version cannot supervise correctly. Windows has no
 * process groups or POSIX signals: a stop there would never finish, so it is refused at creation.
 */
export function refuseUnsupportedPlatform(platform: NodeJS.Platform = process.platform): void {
  if (platform !== 'win32') return;
  throw invalidOption(
    'platform',
    'a POSIX system',
    platform,
    'Windows is not supported yet: stopping a backend there needs tree termination, which this version does not have (a stop would never finish)',
  );
}
