import { describe, expect, it } from 'vitest';
import { type BackendServiceOptions, createBackendSystem, formatCriticalChain } from '../../src/index.js';
import { markerEnv, stopAfterTest, supervise, tempDir, testOptions } from '../helpers/supervisor.js';

describe('where start-up time goes', () => {
  it("each launch's timeline: prepare, reap, port, spawn, first progress line, healthy, running, in order", async () => {
    const { supervisor } = supervise('reports-progress.mjs');
    await supervisor.start();
    const [launch] = supervisor.timelines();
    expect(launch).toMatchObject({ launch: 1, outcome: 'running' });
    const names = launch?.marks.map((mark) => mark.name) ?? [];
    expect(names).toEqual(['prepared', 'orphans reaped', 'port allocated', 'spawned', 'first progress line', 'healthy', 'running']);
    const times = launch?.marks.map((mark) => mark.atMs) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(launch?.totalMs).toBe(times.at(-1));
  });

  it('a failed launch ends its timeline with how it failed, and the next launch gets its own', async () => {
    const { supervisor } = supervise('crash-on-start.mjs', { restart: { maxRestarts: 1, initialDelayMs: 20, maxDelayMs: 50 } });
    await supervisor.start().catch(() => undefined);
    const launches = supervisor.timelines();
    expect(launches.map((launch) => [launch.launch, launch.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(launches[0]?.marks.map((mark) => mark.name)).toEqual(['prepared', 'orphans reaped', 'port allocated', 'spawned', 'exited', 'failed']);
  });

  it('a launch that a restart replaces before it runs ends its timeline as stopped, not starting forever', async () => {
    const { supervisor } = supervise('healthy.mjs', { env: { FIXTURE_READY_DELAY_MS: '300' } });
    const waiting = new Promise<void>((resolve) => {
      const off = supervisor.subscribe((status) => {
        if (status.phase !== 'starting.waitingForHealth') return;
        off();
        resolve();
      });
    });
    const first = supervisor.start().catch(() => undefined);
    await waiting;
    await supervisor.restart();
    await first;
    const launches = supervisor.timelines();
    expect(launches.map((launch) => [launch.launch, launch.outcome])).toEqual([
      [1, 'stopped'],
      [2, 'running'],
    ]);
    expect(launches[0]?.marks.at(-1)?.name).toBe('restarted');
    // ended: its length no longer grows with the clock
    const total = launches[0]?.totalMs;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(supervisor.timelines()[0]?.totalMs).toBe(total);
  });

  it("a system records each service's wait on its dependencies and prints the critical chain, slowest first", async () => {
    const dir = tempDir('timeline');
    const service = (name: string, dependsOn: string[], delayMs: number): BackendServiceOptions => ({
      ...testOptions('healthy.mjs', dir),
      dependsOn,
      env: { ...markerEnv, FIXTURE_READY_DELAY_MS: String(delayMs), FIXTURE_NAME: name },
    });
    const system = createBackendSystem({ services: { store: service('store', [], 600), cache: service('cache', [], 0), api: service('api', ['store', 'cache'], 100) } });
    stopAfterTest(system);
    await system.start();
    const timeline = system.timeline();
    const store = timeline.services.find((one) => one.name === 'store');
    const cache = timeline.services.find((one) => one.name === 'cache');
    const api = timeline.services.find((one) => one.name === 'api');
    // the chain goes back through the dependency that was ready last (store, unless a loaded machine slowed cache more)
    const gate = (store?.readyAtMs ?? 0) >= (cache?.readyAtMs ?? 0) ? 'store' : 'cache';
    expect(timeline.criticalChain).toEqual(['api', gate]);
    // api could only begin once store ran: its wait is at least store's start-up
    expect(api?.waitedMs).toBeGreaterThanOrEqual(store?.readyAtMs ?? Number.POSITIVE_INFINITY);
    expect(store?.startupMs).toBeGreaterThanOrEqual(600);
    expect(timeline.readyAfterMs).toBe(api?.readyAtMs);
    const text = formatCriticalChain(timeline);
    expect(text).toMatch(new RegExp(`^critical chain \\(api <- ${gate}\\), every service running after \\d+ ms, slowest first:\n {2}(api|${gate}) +start-up \\d+ ms`));
    expect(text).toMatch(new RegExp(`\n {2}${gate} +start-up \\d+ ms \\(running at \\+\\d+ ms\\)\n {4,}slowest steps: .*healthy \\d+ ms`));
    expect(text).toMatch(/\n {2}api {4}start-up \d+ ms \(running at \+\d+ ms, waited \d+ ms for store, cache\)\n/);
  });
});
