// The start-up work and the health check load lazily (see src/actors/lazy.ts): the health check only
// after the spawn, while the backend boots. These tests hold its load back or make a load fail,
// with real backends, ports and processes; each part is replaced by a wrapper around the real one.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/errors.js';
import { nextStatus, supervise } from '../helpers/supervisor.js';

const parts = vi.hoisted(() => {
  let release: () => void = () => {};
  return {
    // the first load of the health module waits for this (the first test opens it itself)
    healthGate: new Promise<void>((resolve) => {
      release = resolve;
    }),
    openHealthGate: () => release(),
    healthLoads: 0,
    failHealth: false,
    failWork: false,
  };
});

vi.mock('../../src/actors/health-work.js', async (importOriginal) => {
  await parts.healthGate;
  const real = await importOriginal<typeof import('../../src/actors/health-work.js')>();
  return {
    ...real,
    createHealthWork: (...args: Parameters<typeof real.createHealthWork>) => {
      parts.healthLoads++;
      if (parts.failHealth) throw new Error('simulated: the health module could not be read');
      return real.createHealthWork(...args);
    },
  };
});

vi.mock('../../src/actors/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/actors/index.js')>();
  return {
    ...real,
    createRealWork: (...args: Parameters<typeof real.createRealWork>) => {
      if (parts.failWork) throw new Error('simulated: the start-up module could not be read');
      return real.createRealWork(...args);
    },
  };
});

beforeEach(() => {
  parts.failHealth = false;
  parts.failWork = false;
});

/** Resolves once the backend on `port` answers its health URL (asked with Node's own fetch). */
async function answersHealth(port: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lazily loaded parts', () => {
  it('the first start reaches running when the health check loads only after the backend already answers', async () => {
    const { supervisor } = supervise('healthy.mjs');
    const starting = supervisor.start();
    const spawned = await nextStatus(supervisor, (status) => status.pid !== undefined && status.port !== undefined, 20_000);
    await answersHealth(spawned.port as number);
    expect(parts.healthLoads).toBe(0); // the backend is up and the health check has not loaded yet
    parts.openHealthGate();
    const running = await starting;
    expect(running.status).toBe('running');
    expect(running.pid).toBe(spawned.pid);
    expect(parts.healthLoads).toBe(1);
    await supervisor.stop();
  });

  it('a health check that cannot load ends in an error status with a code, and the backend it spawned is reaped', async () => {
    parts.openHealthGate();
    parts.failHealth = true;
    const { supervisor } = supervise('healthy.mjs');
    const error = await supervisor.start().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('HEALTH_TIMEOUT');
    expect((error as BackendError).message).toContain('Backend supervisor cannot load its health check: simulated: the health module could not be read');
    const status = supervisor.getStatus();
    expect(status.status).toBe('error');
    expect(status.error?.code).toBe('HEALTH_TIMEOUT');
    expect(status.pid).toBeUndefined();
    // the load is tried again by the next start (a failure to load is not kept)
    parts.failHealth = false;
    expect((await supervisor.start()).status).toBe('running');
  });

  it('start-up work that cannot load ends in SPAWN_FAILED before anything is spawned; the next start() loads it', async () => {
    parts.openHealthGate();
    parts.failWork = true;
    const { supervisor, statuses } = supervise('healthy.mjs');
    const error = await supervisor.start().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect((error as BackendError).code).toBe('SPAWN_FAILED');
    expect((error as BackendError).message).toContain('Backend supervisor cannot load its start-up work: simulated: the start-up module could not be read');
    expect(supervisor.getStatus().error?.code).toBe('SPAWN_FAILED');
    expect(statuses.some((status) => status.pid !== undefined)).toBe(false);
    parts.failWork = false;
    expect((await supervisor.start()).status).toBe('running');
  });
});
