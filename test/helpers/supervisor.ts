import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { type BackendStatusInfo, type BackendSupervisor, type BackendSupervisorOptions, createBackendSupervisor } from '../../src/index.js';
import { killAll, processesWithEnv } from './leaks.js';
import { claimPortBlock } from './test-ports.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const fixture = (name: string) => join(fixturesDir, name);

/** Marks every process a test starts, so that the leak check finds them wherever they went. */
export const testMarker = randomUUID();
export const markerEnv = { BL_TEST_MARKER: testMarker };

/** A port range of its own for each supervisor: no two tests, files, workers or checkouts share one. */
export function portRange(size = 20): { base: number; attempts: number } {
  return claimPortBlock(size);
}

const live: { stop(): Promise<unknown> }[] = [];

/** Stops `running` (a supervisor or a system) after the test, before the leak check. */
export function stopAfterTest(running: { stop(): Promise<unknown> }): void {
  live.push(running);
}
const dirs: string[] = [];

/** A fresh directory, removed after the test. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bl-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** Options with test-friendly timings for a fixture backend, its files under `dir`, its processes marked. */
export function testOptions(script: string, dir: string) {
  return {
    command: process.execPath,
    args: [fixture(script)],
    port: portRange(),
    logDir: join(dir, 'logs'),
    stateDir: join(dir, 'state'),
    shutdown: { graceMs: 500 },
    // generous timeouts: a loaded CI machine must not turn a slow answer into a failure the test did not ask for
    health: { startupTimeoutMs: 10_000, monitorIntervalMs: 100, requestTimeoutMs: 2_000, failureThreshold: 2 },
    restart: { maxRestarts: 0, initialDelayMs: 20, maxDelayMs: 100 },
    env: markerEnv,
  } satisfies BackendSupervisorOptions;
}

/** A supervisor with test-friendly timings, stopped and leak-checked after the test. */
export function supervise(script: string, overrides: Partial<BackendSupervisorOptions> = {}) {
  const dir = tempDir('sup');
  const supervisor = createBackendSupervisor({ ...testOptions(script, dir), ...overrides, env: { ...markerEnv, ...overrides.env } });
  live.push(supervisor);
  const statuses: BackendStatusInfo[] = [supervisor.getStatus()];
  supervisor.subscribe((status) => statuses.push(status));
  return { supervisor, statuses, dir, phases: () => statuses.map((s) => s.phase) };
}

/** Resolves with the first status that satisfies `predicate`. */
export function nextStatus(supervisor: BackendSupervisor, predicate: (s: BackendStatusInfo) => boolean, timeoutMs = 10_000) {
  return new Promise<BackendStatusInfo>((resolve, reject) => {
    if (predicate(supervisor.getStatus())) return resolve(supervisor.getStatus());
    const timer = setTimeout(() => reject(new Error(`no matching status within ${timeoutMs} ms; last: ${JSON.stringify(supervisor.getStatus())}`)), timeoutMs);
    const off = supervisor.subscribe((status) => {
      if (!predicate(status)) return;
      clearTimeout(timer);
      off();
      resolve(status);
    });
  });
}

/** Fails the test when anything it started is still alive, after killing it. */
export async function expectNoLeftovers(): Promise<void> {
  const leftovers = processesWithEnv('BL_TEST_MARKER', testMarker);
  killAll(leftovers);
  expect(leftovers, 'processes left running by this test').toEqual([]);
}

afterEach(async () => {
  const stopping = live.splice(0).map((s) => s.stop());
  await Promise.allSettled(stopping);
  try {
    await expectNoLeftovers();
  } finally {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
});
