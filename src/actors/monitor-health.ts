import type { EventObject } from 'xstate';
import type { HealthEvent, HealthInput } from '../../machines/events.js';
import type { ResolvedOptions } from '../options/options.js';
import { checkHealth, healthUrl } from './health-check.js';
import type { CallbackWork } from './work.js';

// timers that fire this much later than asked, or a check that took this much longer than its
// timeout, mean the computer (or the process) was suspended: what failed across it proves nothing
const suspendedGapMs = 5_000;

/**
 * Liveness while running: one check every `monitorIntervalMs`; `failureThreshold` failures in a
 * row report `health.failed` (UNHEALTHY), and an answer from another instance reports it at once.
 * A check that spans a sleep of the laptop does not count as a failure, so a backend is not
 * restarted just because the lid was closed. `now` is the clock (a test may make it jump).
 */
export function createMonitorHealth(options: ResolvedOptions, now: () => number = Date.now): CallbackWork<EventObject, HealthInput> {
  return ({ input, sendBack }) => {
    const url = healthUrl(options.host, input.port, options.health.path);
    const controller = new AbortController();
    const logPart = input.logFile ? `. Log: ${input.logFile}` : '';
    const logFile = input.logFile ? { logFile: input.logFile } : {};
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let scheduledAt = 0; // set by schedule()
    const late = (since: number, expectedMs: number) => now() - since > expectedMs + suspendedGapMs;

    const report = (event: HealthEvent) => {
      if (!controller.signal.aborted) sendBack(event);
    };
    const schedule = () => {
      scheduledAt = now();
      timer = setTimeout(check, options.health.monitorIntervalMs);
    };
    const check = async () => {
      const woke = late(scheduledAt, options.health.monitorIntervalMs);
      const started = now();
      const result = await checkHealth(url, input.instanceId, options.health.requestTimeoutMs, controller.signal);
      if (controller.signal.aborted) return;
      const suspended = woke || late(started, options.health.requestTimeoutMs);
      if (result.ok) failures = 0;
      else if (result.reason === 'mismatch') {
        const message = `Backend server was replaced: another process answers on port ${input.port} (${result.detail})${logPart}`;
        return report({ type: 'health.failed', error: { code: 'INSTANCE_MISMATCH', message, ...logFile, details: { url } } });
      } else if (suspended) {
        failures = 0; // the network may still be waking up: the next check decides
      } else if (++failures >= options.health.failureThreshold) {
        const message = `Backend server stopped answering health checks: ${failures} failures in a row (last: ${result.detail}; ${url})${logPart}`;
        return report({ type: 'health.failed', error: { code: 'UNHEALTHY', message, ...logFile, details: { url, failures } } });
      }
      schedule();
    };
    schedule();

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  };
}
