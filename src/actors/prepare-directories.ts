import type { ResolvedOptions } from '../options/options.js';
import { preparePrivateDir } from '../disk/private-dir.js';
import type { PromiseWork } from './work.js';

/**
 * The log and state folders as last verified: their real paths, which every open, rename, prune
 * and listing uses (never the path as given, whose links could be flipped after the check).
 */
export interface VerifiedFolders {
  logDir: string;
  stateDir: string;
}

/** Holds the folders of one supervisor; the options' paths until the first check resolves them. */
export function verifiedFolders(options: ResolvedOptions): VerifiedFolders {
  return { logDir: options.logDir, stateDir: options.stateDir };
}

/**
 * Makes sure the log and state directories can be used and that no one else can write to them,
 * before anything is spawned: an unusable one is an INVALID_OPTIONS status that names it. Each
 * start checks again and records the real paths in `folders`.
 */
export function createPrepareDirectories(options: ResolvedOptions, folders: VerifiedFolders): PromiseWork<void> {
  return async () => {
    folders.logDir = preparePrivateDir(options.logDir, 'logDir');
    folders.stateDir = preparePrivateDir(options.stateDir, 'stateDir');
  };
}
