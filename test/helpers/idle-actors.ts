import { type EventObject, fromCallback, fromPromise } from 'xstate';
import type { HealthInput, ProcessControlEvent, ReapGroupInput, RunBackendInput } from '../../machines/events.js';

const pending = <T>() => new Promise<T>(() => {});

/** Fake actors that never act on their own: a test drives every outcome through explicit events. */
export const idleActors = {
  prepareDirectories: fromPromise<void>(() => pending()),
  reapOrphans: fromPromise<void>(() => pending()),
  allocatePort: fromPromise<number>(() => pending()),
  runBackend: fromCallback<ProcessControlEvent, RunBackendInput>(() => () => {}),
  waitForHealth: fromPromise<void, HealthInput>(() => pending()),
  monitorHealth: fromCallback<EventObject, HealthInput>(() => () => {}),
  reapGroup: fromPromise<void, ReapGroupInput>(() => pending()),
};
