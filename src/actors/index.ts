import type { ResolvedOptions } from '../options/options.js';
import { HandoffSocket } from '../net/handoff-socket.js';
import { createAllocatePort, loadGetPort, releaseHandoff } from './allocate-port.js';
import { createPrepareDirectories, verifiedFolders } from './prepare-directories.js';
import { ReadinessHints } from './readiness-hints.js';
import { createReapGroup } from './reap-group.js';
import { createReapOrphans } from './reap-orphans.js';
import { createRunBackend } from './run-backend.js';

/**
 * The real-world work of the lifecycle machine's actors up to the spawn (and the reap after it),
 * wired for one supervisor's options. The health check is not here: it loads while the backend
 * boots (see health-work.ts and lazy.ts), so nothing on a cold start's path to the spawn waits for it.
 * `onSpawned` runs once a backend is born and recorded.
 */
export function createRealWork(options: ResolvedOptions, apiKey: string | false, onSpawned?: () => void) {
  // get-port loads while the folders and the orphan reap are done (a failure is the port's turn to report)
  loadGetPort().catch(() => {});
  const hints = new ReadinessHints();
  const socket = options.handoff ? new HandoffSocket() : undefined;
  const folders = verifiedFolders(options);
  return {
    hints,
    prepareDirectories: createPrepareDirectories(options, folders),
    reapOrphans: createReapOrphans(options, folders),
    allocatePort: createAllocatePort(options, socket),
    runBackend: createRunBackend(options, apiKey, hints, socket, folders, onSpawned),
    reapGroup: createReapGroup(options, folders),
    /** Closes the handoff socket (the supervisor has stopped or given up): its port is free again. */
    releaseSocket: () => {
      if (socket) releaseHandoff(socket);
    },
  };
}

export type RealWork = ReturnType<typeof createRealWork>;
