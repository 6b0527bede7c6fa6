import type { EventObject } from 'xstate';
import type { HealthEvent, HealthInput } from '../../machines/events.js';
import type { ResolvedOptions } from '../options.js';
import { checkHealth, healthUrl } from './health-check.js';
import type { CallbackWork } from './work.js';

/**
 * Liveness while running: one check every `monitorIntervalMs`; `failureThreshold` failures in a
 * row report `health.failed` (UNHEALTHY), and an answer from another instance reports it at once.
 */
export function createMonitorHealth(options: ResolvedOptions): CallbackWork<EventObject, HealthInput> {
  return ({ input, sendBack }) => {
    const url = healthUrl(options.host, input.port, options.health.path);
    const controller = new AbortController();
    const logPart = input.logFile ? `. Log: ${input.logFile}` : '';
    const logFile = input.logFile ? { logFile: input.logFile } : {};
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;

    const report = (event: HealthEvent) => {
      if (!controller.signal.aborted) sendBack(event);
    };
    const check = async () => {
      const result = await checkHealth(url, input.instanceId, options.health.requestTimeoutMs, controller.signal);
      if (controller.signal.aborted) return;
      if (result.ok) failures = 0;
      else if (result.reason === 'mismatch') {
        const message = `Backend server was replaced: another process answers on port ${input.port} (${result.detail})${logPart}`;
        return report({ type: 'health.failed', error: { code: 'INSTANCE_MISMATCH', message, ...logFile, details: { url } } });
      } else if (++failures >= options.health.failureThreshold) {
        const message = `Backend server stopped answering health checks: ${failures} failures in a row (last: ${result.detail}; ${url})${logPart}`;
        return report({ type: 'health.failed', error: { code: 'UNHEALTHY', message, ...logFile, details: { url, failures } } });
      }
      timer = setTimeout(check, options.health.monitorIntervalMs);
    };
    timer = setTimeout(check, options.health.monitorIntervalMs);

    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  };
}
