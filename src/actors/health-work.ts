import { warmHttpClient } from '../net/http-client.js';
import type { ResolvedOptions } from '../options/options.js';
import { createMonitorHealth } from './monitor-health.js';
import type { ReadinessHints } from './readiness-hints.js';
import { createWaitForHealth } from './wait-for-health.js';

/**
 * The health check's work (the wait for readiness, the monitor), loaded with the HTTP client
 * after the first spawn, while the backend boots: a cold start spawns without paying for it.
 */
export function createHealthWork(options: ResolvedOptions, hints: ReadinessHints) {
  // the first check awaits the client's loading, not the warm-up: a backend faster than it is not kept waiting
  void warmHttpClient();
  return { waitForHealth: createWaitForHealth(options, hints), monitorHealth: createMonitorHealth(options) };
}

export type HealthWork = ReturnType<typeof createHealthWork>;
