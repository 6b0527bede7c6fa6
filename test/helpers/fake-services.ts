import { fromCallback } from 'xstate';
import type { ServiceCommandEvent } from '../../machines/backend-system.machine.js';
import type { BackendStatus } from '../../machines/status.js';

/**
 * Service actors for unit tests of the pure system machine: each answers its commands with the
 * statuses a real supervisor goes through, and a test can make one crash (`crash(name)`).
 */
export function fakeServices() {
  const log: string[] = [];
  const reporters = new Map<string, (status: BackendStatus) => void>();
  const services = fromCallback<ServiceCommandEvent, { names: readonly string[] }>(({ input, sendBack, receive }) => {
    for (const name of input.names) reporters.set(name, (status: BackendStatus) => sendBack({ type: 'service.status', name, status }));
    receive((event) => {
      const report = reporters.get(event.name) as (status: BackendStatus) => void;
      log.push(`${event.name}:${event.command}`);
      if (event.command === 'stop') {
        report('stopping');
        report('stopped');
      } else {
        report('starting');
        report('running');
      }
    });
  });
  return {
    services,
    log,
    /** The service reports a status of its own (a crash: starting, then running again, or error). */
    report: (name: string, ...statuses: BackendStatus[]) => {
      for (const status of statuses) reporters.get(name)?.(status);
    },
  };
}
