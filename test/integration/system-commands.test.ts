import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dependentsMap, type SystemServiceSpec, startOrder } from '../../machines/system-graph.js';
import { withDependents } from '../../machines/system-plan.js';
import { type BackendServiceOptions, type BackendSystem, createBackendSystem } from '../../src/index.js';
import { claimPortBlock } from '../helpers/test-ports.js';
import { markerEnv, nextStatus, stopAfterTest, tempDir, testOptions } from '../helpers/supervisor.js';

type Spec = { needs?: string[]; extra?: Partial<BackendServiceOptions>; env?: Record<string, string> };

/** A system of system-service.mjs backends (real processes), stopped and leak-checked after the test. */
function system(services: Record<string, Spec>): { system: BackendSystem; dir: string } {
  const dir = tempDir('syscmd');
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const created = createBackendSystem({
    services: Object.fromEntries(
      Object.entries(services).map(([name, { needs = [], extra = {}, env = {} }]) => [
        name,
        {
          ...testOptions('system-service.mjs', dir),
          dependsOn: needs,
          restart: { maxRestarts: 0, initialDelayMs: 20, maxDelayMs: 50 },
          ...extra,
          env: { ...markerEnv, FIXTURE_NAME: name, FIXTURE_EVENTS: events, FIXTURE_NEEDS: needs.join(','), ...env },
        } satisfies BackendServiceOptions,
      ]),
    ),
  });
  stopAfterTest(created);
  return { system: created, dir };
}

const settled = <T>(promise: Promise<T>) =>
  Promise.race([
    promise.then(
      (value) => ({ resolved: value }),
      (error: { code?: string }) => ({ rejected: error.code }),
    ),
    new Promise((resolve) => setTimeout(() => resolve('never settled (20 s)'), 20_000).unref()),
  ]);
const statuses = (s: BackendSystem) => Object.fromEntries(s.names.map((name) => [name, s.getStatus().services[name]?.status]));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('system commands settle once, with their own outcome (real backends)', () => {
  it('restart() of a running system resolves running, and so does a restart while it starts', async () => {
    const { system: s } = system({ db: {}, api: { needs: ['db'] } });
    await s.start();
    expect(await settled(s.restart())).toMatchObject({ resolved: { status: 'running' } });
    const starting = s.restart();
    expect(await settled(s.restart())).toMatchObject({ resolved: { status: 'running' } });
    expect(await settled(starting)).toMatchObject({ resolved: { status: 'running' } });
    expect(statuses(s)).toEqual({ db: 'running', api: 'running' });
  });

  it('stop() followed 5 ms later by start() or restart("db"): the stop settles, the follow-up resolves running', async () => {
    const { system: s } = system({ db: {}, api: { needs: ['db'] } });
    await s.start();
    const stop = s.stop();
    await pause(5);
    const start = s.start();
    expect(await settled(stop)).toHaveProperty('resolved');
    expect(await settled(start)).toMatchObject({ resolved: { status: 'running' } });
    const stopAgain = s.stop();
    await pause(5);
    const restart = s.restart('db');
    expect(await settled(stopAgain)).toHaveProperty('resolved');
    expect(await settled(restart)).toHaveProperty('resolved');
    expect(s.getStatus().services.db?.status).toBe('running');
  });

  it('restart("db") of a system never started, or stopped, starts db and resolves', async () => {
    const { system: s } = system({ db: {}, api: { needs: ['db'] } });
    expect(await settled(s.restart('db'))).toHaveProperty('resolved');
    expect(statuses(s)).toEqual({ db: 'running', api: 'stopped' });
    await s.stop();
    expect(await settled(s.restart('db'))).toHaveProperty('resolved');
    expect(s.getStatus().services.db?.status).toBe('running');
  });

  it('restart("worker") of a service its stop policy took down starts it, keeps it running, and resolves', async () => {
    const { system: s } = system({ db: {}, worker: { needs: ['db'], extra: { onDependencyFailure: 'stop' } } });
    await s.start();
    await s.restart('db');
    // db's restart took worker down for good (policy stop)
    expect(statuses(s)).toEqual({ db: 'running', worker: 'stopped' });
    expect(await settled(s.restart('worker'))).toHaveProperty('resolved');
    await pause(500);
    expect(statuses(s)).toEqual({ db: 'running', worker: 'running' });
  });

  it('after a service gave up, start() and restart() try it again: a Retry button works', async () => {
    for (const retry of ['start', 'restart'] as const) {
      const { system: s } = system({ db: { env: { FIXTURE_CRASH_ONCE: join(tempDir('retry'), 'crashed') } } });
      await s.start();
      await nextStatus(s.service('db'), (status) => status.status === 'error', 15_000);
      expect(await settled(s[retry]()), retry).toMatchObject({ resolved: { status: 'running' } });
      await s.stop();
    }
  });
});

describe('commands sent together', () => {
  it('restart("db") and start("db") sent in one go after db gave up: both settle, running', async () => {
    const { system: s } = system({ db: { env: { FIXTURE_CRASH_ONCE: join(tempDir('gave-up'), 'crashed') } } });
    await s.start().catch(() => undefined);
    await nextStatus(s.service('db'), (status) => status.status === 'error', 15_000);
    const restart = settled(s.restart('db'));
    const start = settled(s.service('db').start());
    expect(await restart).toMatchObject({ resolved: { status: 'running' } });
    expect(await start).toMatchObject({ resolved: { status: 'running' } });
  });

  it("a service's own start() resolves with the status it reached, not one a later command brought", async () => {
    const { system: s } = system({ db: {} });
    await s.start();
    const start = settled(s.service('db').start());
    const stop = settled(s.stop('db'));
    expect(await start).toMatchObject({ resolved: { status: 'running' } });
    expect(await stop).toMatchObject({ resolved: { status: 'stopped' } });
  });
});

describe('a stop after a service gave up', () => {
  it('stop() ends stopped, not error: a service that gave up is stopped too (its error cleared, as supervisor.stop() does)', async () => {
    const { system: s } = system({ db: { env: { FIXTURE_CRASH_ONCE: join(tempDir('gave-up'), 'crashed') } }, api: { needs: ['db'] } });
    // db crashes 400 ms after it started: before or after api runs
    await s.start().catch(() => undefined);
    await nextStatus(s.service('db'), (status) => status.status === 'error', 15_000);
    expect(await settled(s.stop())).toMatchObject({ resolved: { status: 'stopped' } });
    expect(statuses(s)).toEqual({ db: 'stopped', api: 'stopped' });
    expect(s.getStatus().status).toBe('stopped');
  });

  it('stop() sent the moment a service gives up (before the system heard it) ends stopped, not with that error', async () => {
    const { system: s } = system({ db: {} });
    await s.start();
    const stop = new Promise<unknown>((resolve) => {
      const off = s.service('db').subscribe((status) => {
        if (status.status !== 'error') return;
        off();
        resolve(settled(s.stop()));
      });
    });
    process.kill(s.service('db').getStatus().pid as number, 'SIGKILL');
    expect(await stop).toMatchObject({ resolved: { status: 'stopped', services: { db: { status: 'stopped' } } } });
  });

  it("stop() sent as a start fails (starting → error in one step) is answered by the stop, not by that older 'error'", async () => {
    const { base } = claimPortBlock(1);
    const foreign = createServer();
    await new Promise<void>((resolve) => foreign.listen(base, '127.0.0.1', resolve));
    try {
      const { system: s } = system({ db: { extra: { port: base } } });
      const stop = new Promise<unknown>((resolve) => {
        const off = s.service('db').subscribe((status) => {
          if (status.status !== 'error') return;
          off();
          resolve(settled(s.stop()));
        });
      });
      const start = settled(s.start());
      expect(await stop).toMatchObject({ resolved: { status: 'stopped', services: { db: { status: 'stopped' } } } });
      expect(await start).toMatchObject({ rejected: 'STOPPED' });
    } finally {
      foreign.close();
    }
  });

  it('stop(name) of a service that gave up ends stopped; the others keep running', async () => {
    const { system: s } = system({ web: {}, db: { env: { FIXTURE_CRASH_ONCE: join(tempDir('gave-up'), 'crashed') } } });
    await s.start().catch(() => undefined);
    await nextStatus(s.service('db'), (status) => status.status === 'error', 15_000);
    expect(await settled(s.service('db').stop())).toMatchObject({ resolved: { status: 'stopped' } });
    expect(statuses(s)).toEqual({ web: 'running', db: 'stopped' });
  });
});

describe('one service of a system is stopped and started through the system', () => {
  it('system.stop("api") keeps api down (what needs it too) and start("api") brings it (and what it needs) back', async () => {
    const { system: s } = system({ db: {}, api: { needs: ['db'] }, web: { needs: ['api'] } });
    await s.start();
    expect(await settled(s.stop('api'))).toHaveProperty('resolved');
    await pause(1_000);
    expect(statuses(s)).toEqual({ db: 'running', api: 'stopped', web: 'stopped' });
    await s.stop();
    expect(await settled(s.start('api'))).toHaveProperty('resolved');
    expect(statuses(s)).toEqual({ db: 'running', api: 'running', web: 'stopped' });
  });

  it("a service's own supervisor controls go through the system: service('api').stop() stays stopped", async () => {
    const { system: s } = system({ db: {}, api: { needs: ['db'] } });
    await s.start();
    expect((await s.service('api').stop()).status).toBe('stopped');
    await pause(1_000);
    expect(statuses(s)).toEqual({ db: 'running', api: 'stopped' });
    expect((await s.service('api').start()).status).toBe('running');
    expect((await s.service('db').restart()).status).toBe('running');
    await nextStatus(s.service('api'), (status) => status.status === 'running');
    expect(statuses(s)).toEqual({ db: 'running', api: 'running' });
  });
});

describe('ports are planned for the whole system', () => {
  it("a range never hands out another service's fixed port: web on a range, db on that range's first port", async () => {
    const { base } = claimPortBlock(5);
    const { system: s } = system({ web: { extra: { port: { base, attempts: 5 } } }, db: { needs: ['web'], extra: { port: base } } });
    expect(await settled(s.start())).toMatchObject({ resolved: { status: 'running' } });
    expect(s.service('db').getPort()).toBe(base);
    expect(s.service('web').getPort()).not.toBe(base);
  });
});

describe('limits at creation', () => {
  it('a service or supervisor name too long for its files is refused before anything is spawned', () => {
    const long = 'n'.repeat(200);
    expect(() => createBackendSystem({ services: { [long]: { command: process.execPath } } })).toThrow(
      `Invalid option "services": service "nnnnnnnnnnnnnnnnnnnnnnnn…" has 200 characters, too many for the log and lock files it names; use at most 128`,
    );
  });

  it('the dependency graph of a chain of 100,000 services is ordered without deep recursion (creation stays linear)', () => {
    const specs: Record<string, SystemServiceSpec> = {};
    for (let i = 0; i < 100_000; i++) specs[`s${i}`] = { dependsOn: i > 0 ? [`s${i - 1}`] : [], onDependencyFailure: 'restart' };
    const order = startOrder(specs);
    expect([order[0], order.at(-1), order.length]).toEqual(['s0', 's99999', 100_000]);
    expect(withDependents({ dependents: dependentsMap(specs) }, 's0').length).toBe(100_000);
  });
});
