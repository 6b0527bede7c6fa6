import { fromTransition } from 'xstate';
import type { BackendStatusInfo } from '../../machines/status.js';

/** Where the hooks get statuses from: the Electron preload bridge, the web bridge, or your own. */
export interface StatusSource {
  getStatus(): Promise<BackendStatusInfo>;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onStatusChanged(listener: (status: BackendStatusInfo) => void): () => void;
  /** A system's statuses, one per service (the Electron bridge of `attachSystemToElectron`). */
  getSystemStatus?(): Promise<{ services: Record<string, BackendStatusInfo> }>;
  /** Every status change of every service of a system. */
  onServiceStatusChanged?(listener: (service: string, status: BackendStatusInfo) => void): () => void;
}

export type StatusStoreEvent = { type: 'status.received'; status: BackendStatusInfo };
export type ServiceStatusEvent = { type: 'service.received'; service: string; status: BackendStatusInfo };

/**
 * The renderer's copy of the backend status, as actor logic: the newest status (the latest
 * supervisor's, then the highest `sequence`) wins, so an initial `getStatus()` answer that arrives after a pushed change cannot
 * roll the view back, even when both carry the same timestamp.
 */
export const statusStoreLogic = fromTransition((current: BackendStatusInfo | undefined, event: StatusStoreEvent) => {
  // XState and @xstate/react send events of their own (e.g. on rehydration): only statuses count
  if (event.type !== 'status.received' || !event.status) return current;
  return current !== undefined && isOlder(event.status, current) ? current : event.status;
}, undefined as BackendStatusInfo | undefined);

function isOlder(candidate: BackendStatusInfo, current: BackendStatusInfo): boolean {
  // main swapped in another supervisor: its statuses number from 1 again, and the later supervisor wins
  if (typeof candidate.supervisor === 'number' && typeof current.supervisor === 'number' && candidate.supervisor !== current.supervisor) {
    return candidate.supervisor < current.supervisor;
  }
  // a source that does not number its statuses (an older main process) is ordered by time
  if (typeof candidate.sequence !== 'number' || typeof current.sequence !== 'number') return candidate.timestamp < current.timestamp;
  return candidate.sequence < current.sequence;
}

/**
 * The renderer's copy of a system's statuses, one per service, each ordered like the single
 * status above: the newest (highest `sequence`) wins per service.
 */
export const serviceStatusesLogic = fromTransition((current: Readonly<Record<string, BackendStatusInfo>>, event: ServiceStatusEvent) => {
  if (event.type !== 'service.received' || !event.status || typeof event.service !== 'string') return current;
  const known = Object.hasOwn(current, event.service) ? current[event.service] : undefined;
  if (known !== undefined && isOlder(event.status, known)) return current;
  return { ...current, [event.service]: event.status };
}, {} as Readonly<Record<string, BackendStatusInfo>>);
