import type { ResolvedOptions } from '../options.js';
import { preparePrivateDir } from '../private-dir.js';
import type { PromiseWork } from './work.js';

/**
 * Makes sure the log and state directories can be used and that no one else can write to them,
 * before anything is spawned: an unusable one is an INVALID_OPTIONS status that names it.
 */
export function createPrepareDirectories(options: ResolvedOptions): PromiseWork<void> {
  return async () => {
    preparePrivateDir(options.logDir, 'logDir');
    preparePrivateDir(options.stateDir, 'stateDir');
  };
}
