import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type BackendServiceOptions, createBackendSystem } from '../../src/index.js';
import { markerEnv, stopAfterTest, tempDir, testOptions } from '../helpers/supervisor.js';

function chain(services: Record<string, { needs?: string[]; extra?: Partial<BackendServiceOptions>; env?: Record<string, string> }>) {
  const dir = tempDir('system');
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const system = createBackendSystem({
    services: Object.fromEntries(
      Object.entries(services).map(([name, { needs = [], extra = {}, env = {} }]) => [
        name,
        {
          ...testOptions('system-service.mjs', dir),
          dependsOn: needs,
          shutdown: { graceMs: 1_000 },
          health: { startupTimeoutMs: 10_000, monitorIntervalMs: 100, requestTimeoutMs: 1_000, failureThreshold: 2 },
          restart: { maxRestarts: 2, initialDelayMs: 20, maxDelayMs: 100 },
          ...extra,
          env: { ...markerEnv, FIXTURE_NAME: name, FIXTURE_EVENTS: events, FIXTURE_NEEDS: needs.join(','), ...env },
        } satisfies BackendServiceOptions,
      ]),
    ),
  });
  stopAfterTest(system);
  return { system, events: () => readFileSync(events, 'utf8').trim().split('\n').filter(Boolean), dir, file: events };
}

/** The INVALID_OPTIONS message `create` throws. */
function refusalOf(create: () => unknown): string {
  try {
    create();
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS' });
    return (error as Error).message;
  }
  throw new Error('expected the system to be refused');
}

describe('createBackendSystem: several backends as one, with real processes', () => {
  it('starts a three-service chain in order, each seeing what it needs, and stops it in reverse', async () => {
    const { system, events } = chain({ web: { needs: ['api'] }, api: { needs: ['db'] }, db: {} });
    expect(system.names).toEqual(['db', 'api', 'web']);
    const running = await system.start();
    expect(running.status).toBe('running');
    const db = system.service('db').getPort();
    const api = system.service('api').getPort();
    expect(new Set([db, api, system.service('web').getPort()]).size).toBe(3);
    expect(events()).toEqual(['db start', `api saw db=${db}`, 'api start', `web saw api=${api}`, 'web start']);
    expect((await system.stop()).status).toBe('stopped');
    expect(events().slice(5)).toEqual(['web stop', 'api stop', 'db stop']);
  });

  it('a dependency that crashes takes its dependents down and up again (policy restart), or down for good (stop)', async () => {
    const { system, events, file } = chain({ db: {}, api: { needs: ['db'] }, worker: { needs: ['db'], extra: { onDependencyFailure: 'stop' } } });
    expect((await system.start()).status).toBe('running');
    // the crash comes from outside once every service runs: a crash timed inside db could land while a
    // dependent is being spawned, before the system can have seen it, and make the story below a race
    const dbPid = system.service('db').getStatus().pid;
    expect(dbPid).toBeGreaterThan(0);
    appendFileSync(file, 'db crash\n');
    process.kill(dbPid as number, 'SIGKILL');
    const dbStarts = () => events().filter((line) => line === 'db start').length;
    await vi.waitFor(
      () => {
        expect(dbStarts(), events().join(' | ')).toBe(2);
        expect(system.getStatus().status).toBe('running');
      },
      { timeout: 15_000 },
    );
    const log = events();
    const story = log.join(' | ');
    const crash = log.indexOf('db crash');
    const back = log.lastIndexOf('db start');
    // while db was down nothing that needs it ran: api (restart) runs again only after db is back
    expect(log.lastIndexOf('api start'), story).toBeGreaterThan(back);
    expect(log.slice(crash, back).includes('api start'), story).toBe(false);
    // worker (stop) was taken down, or never came up, and stays down
    expect(log.slice(back).includes('worker start'), story).toBe(false);
    expect(system.getStatus().services.worker?.status).toBe('stopped');
    expect(system.getStatus().services.api?.status).toBe('running');
  });

  it('refuses cycles, unknown dependencies, two services on one fixed port and names that share variables at creation, with exact messages', () => {
    const service = { command: process.execPath };
    expect(refusalOf(() => createBackendSystem({ services: { a: { ...service, dependsOn: ['b'] }, b: { ...service, dependsOn: ['a'] } } }))).toBe(
      'Invalid option "services": dependency cycle: a → b → a',
    );
    expect(refusalOf(() => createBackendSystem({ services: { api: { ...service, dependsOn: ['db'] } } }))).toBe(
      'Invalid option "services": service "api" depends on "db", which is not a service of this system',
    );
    expect(refusalOf(() => createBackendSystem({ services: { a: { ...service, port: 4100 }, b: { ...service, port: 4100 } } }))).toBe(
      'Invalid option "services.b.port": services "a" and "b" both ask for port 4100',
    );
    // both would be told as BACKEND_A_B_PORT: a dependent could not tell them apart
    expect(refusalOf(() => createBackendSystem({ services: { 'a-b': service, 'a.b': { ...service, dependsOn: ['a-b'] } } }))).toBe(
      'Invalid option "services": services "a-b" and "a.b" would share the variables BACKEND_A_B_PORT, _URL and _API_KEY; rename one',
    );
    expect(refusalOf(() => createBackendSystem({ services: { db: service, DB: service } }))).toBe(
      'Invalid option "services": services "db" and "DB" would share the variables BACKEND_DB_PORT, _URL and _API_KEY; rename one',
    );
    // JSON.parse makes "__proto__" an own key; as a record key it would replace the prototype
    expect(refusalOf(() => createBackendSystem({ services: JSON.parse('{"__proto__": {"command": "node"}, "api": {"command": "node"}}') }))).toBe(
      'Invalid option "services": "__proto__" cannot name a service; rename it',
    );
    expect(refusalOf(() => createBackendSystem({ services: { api: { ...service, dependsOn: ['toString'] } } }))).toBe(
      'Invalid option "services": service "api" depends on "toString", which is not a service of this system',
    );
    expect(refusalOf(() => createBackendSystem({ services: {} }))).toBe('Invalid option "services": expected an object with at least one service, got {}');
  });
});

describe('the keys a system passes between its services are secrets everywhere', () => {
  it("a dependent that prints its dependency's API key (in its output and its STATUS= progress) has it redacted in its log and status, as its own key is", async () => {
    const dir = tempDir('system-keys');
    const system = createBackendSystem({
      services: {
        db: testOptions('healthy.mjs', dir),
        api: { ...testOptions('tells-its-key.mjs', dir), dependsOn: ['db'], env: { ...markerEnv, FIXTURE_KEY_VARIABLE: 'BACKEND_DB_API_KEY' } },
      },
    });
    stopAfterTest(system);
    const details: string[] = [];
    system.service('api').subscribe((status) => {
      if (status.detail) details.push(status.detail);
    });
    await system.start();
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few of its "still serving" lines
    const key = system.service('db').getApiKey() ?? '';
    const log = readFileSync(system.service('api').actor.getSnapshot().context.logFile as string, 'utf8');
    expect(details).toEqual(expect.arrayContaining(['loading with [REDACTED]']));
    expect(log).toContain('serving: api key [REDACTED]');
    for (const text of [...details, log]) {
      for (let start = 0; start + 8 <= key.length; start++) expect(text, 'a piece of the db service key').not.toContain(key.slice(start, start + 8));
    }
    await system.stop();
  });
});
