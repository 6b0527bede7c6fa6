import type { SnapshotFrom } from 'xstate';
import type { BackendLifecycleMachine, LifecycleTag } from './backend-lifecycle.machine.js';
import type { Failure } from './failure.js';

/** The four statuses of MineContext's backend manager plus `stopping`. */
export type BackendStatus = LifecycleTag;

/** The status every listener, window and CLI line receives (plain data only). */
export interface BackendStatusInfo {
  status: BackendStatus;
  /** 0 while no port is assigned. */
  port: number;
  /** ISO 8601 time of this change. */
  timestamp: string;
  /** The detailed state, e.g. `starting.waitingForHealth` or `stopping.killing`. */
  phase: string;
  pid?: number;
  /** Automatic restarts since the last stable run. */
  restarts: number;
  /**
   * Counts the supervisor's status changes (1, 2, 3…): the newest status is the one with the
   * highest number, even when two changes share a timestamp or arrive out of order over IPC.
   */
  sequence: number;
  /**
   * Which supervisor made this status: larger for every supervisor created later in the process, so
   * that a replaced supervisor's statuses (numbered from 1 again) are ordered by supervisor, then `sequence`.
   * What an Electron page is sent carries the number of the attachment that sent it instead (larger
   * than every supervisor and attachment before it): a page follows main even back to a supervisor
   * created before the one it replaced.
   */
  supervisor?: number;
  /** While starting: what the backend last reported about its progress (`STATUS=` on its notification fd). */
  detail?: string;
  error?: BackendStatusError;
}

/** The error part of a status: plain data, with the failure behind it where there is one. */
export interface BackendStatusError {
  code: string;
  message: string;
  logFile?: string;
  /**
   * What to do about it, in plain words, when the evidence says why it happened (a missing Python
   * package, a missing shared library, the out-of-memory killer…); absent rather than guessed.
   */
  hint?: string;
  /** e.g. the last failure before RESTART_LIMIT. */
  cause?: BackendStatusError;
}

const statusOrder: readonly BackendStatus[] = ['error', 'stopping', 'running', 'starting', 'stopped'];

function leafName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['unknown', undefined];
  return child === undefined || (typeof child === 'object' && child !== null && Object.keys(child).length === 0)
    ? key
    : leafName(child);
}

/**
 * Derives the public status from a lifecycle snapshot: the one place where states become statuses.
 *
 * @example
 * const info = deriveStatus(actor.getSnapshot(), new Date());
 * if (info.status === 'running') connect(info.port);
 */
export function deriveStatus(snapshot: SnapshotFrom<BackendLifecycleMachine>, now: Date, sequence = 0): BackendStatusInfo {
  const status = statusOrder.find((tag) => snapshot.hasTag(tag)) ?? 'stopped';
  const leaf = leafName(snapshot.value);
  const { context } = snapshot;
  const info: BackendStatusInfo = {
    status,
    port: context.port,
    timestamp: now.toISOString(),
    phase: leaf === status ? status : `${status}.${leaf}`,
    restarts: context.restarts,
    sequence,
  };
  if (context.pid !== undefined) info.pid = context.pid;
  if (context.detail !== undefined && status === 'starting') info.detail = context.detail;
  if (context.error) info.error = publicError(context.error);
  return info;
}

function publicError(failure: Failure): BackendStatusError {
  const error: BackendStatusError = { code: failure.code, message: failure.message };
  if (failure.logFile !== undefined) error.logFile = failure.logFile;
  if (failure.cause !== undefined) error.cause = publicError(failure.cause);
  return error;
}
