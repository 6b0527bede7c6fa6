import type { ResolvedOptions } from '../options.js';
import { HandoffSocket } from '../handoff-socket.js';
import { createAllocatePort, releaseHandoff } from './allocate-port.js';
import { createMonitorHealth } from './monitor-health.js';
import { createPrepareDirectories, verifiedFolders } from './prepare-directories.js';
import { ReadinessHints } from './readiness-hints.js';
import { createReapGroup } from './reap-group.js';
import { createReapOrphans } from './reap-orphans.js';
import { createRunBackend } from './run-backend.js';
import { createWaitForHealth } from './wait-for-health.js';

/** The real-world work of the lifecycle machine's actors, wired for one supervisor's options. */
export function createRealWork(options: ResolvedOptions, apiKey: string | false) {
  const hints = new ReadinessHints();
  const socket = options.handoff ? new HandoffSocket() : undefined;
  const folders = verifiedFolders(options);
  return {
    prepareDirectories: createPrepareDirectories(options, folders),
    reapOrphans: createReapOrphans(options, folders),
    allocatePort: createAllocatePort(options, socket),
    runBackend: createRunBackend(options, apiKey, hints, socket, folders),
    waitForHealth: createWaitForHealth(options, hints),
    monitorHealth: createMonitorHealth(options),
    reapGroup: createReapGroup(options, folders),
    /** Closes the handoff socket (the supervisor has stopped or given up): its port is free again. */
    releaseSocket: () => {
      if (socket) releaseHandoff(socket);
    },
  };
}

export type RealWork = ReturnType<typeof createRealWork>;
