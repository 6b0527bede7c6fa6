import { fromPromise } from 'xstate';
import type { ResolvedOptions } from '../options.js';
import { preparePrivateDir } from '../private-dir.js';

/**
 * Makes sure the log and state directories can be used and that no one else can write to them,
 * before anything is spawned: an unusable one is an INVALID_OPTIONS status that names it.
 */
export function createPrepareDirectories(options: ResolvedOptions) {
  return fromPromise<void>(async () => {
    preparePrivateDir(options.logDir, 'logDir');
    preparePrivateDir(options.stateDir, 'stateDir');
  });
}
