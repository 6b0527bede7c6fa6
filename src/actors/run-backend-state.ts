import type { ProcessEvent } from '../../machines/events.js';
import type { LaunchLog } from '../disk/log-file.js';
import type { HandoffSocket } from '../net/handoff-socket.js';
import type { ResolvedOptions } from '../options/options.js';
import type { VerifiedFolders } from './prepare-directories.js';
import type { ProgressCoalescer } from './progress-coalescer.js';
import type { ReadinessHints } from './readiness-hints.js';

/**
 * One launch of the process actor: what it was given, and what it learns while it runs. The steps
 * of a launch (spawn, lock, signals, notifications, exit, release) share it; each step is a
 * function of its own in `run-backend-*.ts`.
 */
export interface LaunchState {
  readonly options: ResolvedOptions;
  readonly apiKey: string | false;
  readonly hints: ReadinessHints;
  readonly socket: HandoffSocket | undefined;
  readonly folders: VerifiedFolders;
  readonly onSpawned: (() => void) | undefined;
  readonly port: number;
  readonly sendBack: (event: ProcessEvent) => void;
  readonly instanceId: string;
  readonly args: string[];
  readonly lockFile: string;
  readonly progress: ProgressCoalescer;
  log: LaunchLog | undefined;
  pgid: number | undefined;
  exited: boolean;
  released: boolean;
  pendingSignal: NodeJS.Signals | undefined;
  forgetGroup: () => void;
  dismissGuard: () => void;
  stopRequested: boolean;
  termTimer: NodeJS.Timeout | undefined;
  droppedNoted: number;
}
