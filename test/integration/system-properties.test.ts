import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackendServiceOptions, type BackendSystem, type BackendSystemStatus, createBackendSystem } from '../../src/index.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { markerEnv, stopAfterTest, tempDir, testMarker, testOptions } from '../helpers/supervisor.js';

// db ← api (restart), db ← worker (stop), api ← cache (ignore): a crash of db takes api down and up again,
// worker down for good, and leaves cache alone (which copes without api, as `ignore` means)
const graph: Record<string, { needs: string[]; policy?: 'stop' | 'ignore' }> = { db: { needs: [] }, api: { needs: ['db'] }, worker: { needs: ['db'], policy: 'stop' }, cache: { needs: ['api'], policy: 'ignore' } };
const names = Object.keys(graph);
const dependents = (name: string): string[] => [name, ...names.filter((other) => graph[other]?.needs.includes(name)).flatMap(dependents)];
const dependencies = (name: string): string[] => [name, ...(graph[name]?.needs ?? []).flatMap(dependencies)];

// `own`: through the service's own supervisor (system.service(name).start()), which goes through the system
type Command = { kind: 'start' | 'stop' | 'restart'; name?: string | undefined; own?: boolean };
type Action = Command | { kind: 'crash'; name: string } | { kind: 'wait'; ms: number } | { kind: 'await'; command: Command };

const command: fc.Arbitrary<Command> = fc.record({ kind: fc.constantFrom<Command['kind']>('start', 'stop', 'restart'), name: fc.option(fc.constantFrom(...names), { nil: undefined }), own: fc.boolean() });
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: command, weight: 4 },
  { arbitrary: command.map((awaited): Action => ({ kind: 'await', command: awaited })), weight: 2 },
  { arbitrary: fc.constantFrom(...names).map((name): Action => ({ kind: 'crash', name })), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 300 }).map((ms): Action => ({ kind: 'wait', ms })), weight: 2 },
);

interface Outcome extends Command {
  index: number;
  settled: 'pending' | 'resolved' | 'rejected';
  times: number;
  status?: string;
  code?: string;
}

const label = (c: Command) => (c.own && c.name !== undefined ? `service(${c.name}).${c.kind}()` : `${c.kind}(${c.name ?? ''})`);

function createTestSystem(): BackendSystem {
  const dir = tempDir('sysprop');
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const services = Object.fromEntries(
    names.map((name) => [
      name,
      {
        ...testOptions('system-service.mjs', dir),
        dependsOn: graph[name]?.needs ?? [],
        onDependencyFailure: graph[name]?.policy ?? 'restart',
        shutdown: { graceMs: 500 },
        restart: { maxRestarts: 1, windowMs: 60_000, initialDelayMs: 20, maxDelayMs: 50 },
        // api and cache crash by themselves once, 400 ms after their first start (cache may give up: a later stop clears it)
        env: { ...markerEnv, FIXTURE_NAME: name, FIXTURE_EVENTS: events, FIXTURE_NEEDS: graph[name]?.policy === 'ignore' ? '' : (graph[name]?.needs ?? []).join(','), ...(name === 'api' || name === 'cache' ? { FIXTURE_CRASH_ONCE: join(dir, `${name}-crashed`) } : {}) },
      } satisfies BackendServiceOptions,
    ]),
  );
  const system = createBackendSystem({ services });
  stopAfterTest(system);
  return system;
}

function send(system: BackendSystem, c: Command): Promise<BackendSystemStatus> {
  const name = c.name;
  if (!c.own || name === undefined) return system[c.kind](name);
  // the service's own answer, in the place the test reads a command about one service
  return system.service(name)[c.kind]().then((own) => ({ ...system.getStatus(), services: { ...system.getStatus().services, [name]: own } }));
}

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref())]);

/** Whether a stop that came after `c` covers one of the services `c` was about. */
function stoppedLater(c: Outcome, outcomes: Outcome[]): boolean {
  const scope = c.name === undefined ? names : dependencies(c.name);
  return outcomes.some((later) => later.index > c.index && later.kind === 'stop' && (later.name === undefined || dependents(later.name).some((name) => scope.includes(name))));
}

/** A SIGKILL the test sent, and how many commands had been sent when the system first saw it. */
interface Crash {
  name: string;
  pid: number;
  /** How many commands had been sent when the test sent the SIGKILL. */
  sentAfter: number;
  seenAfter?: number;
}

/** Whether worker's `stop` policy may have taken it down after `c`: db crashed (as the system saw it) or restarted later. */
function droppedLater(c: Outcome, outcomes: Outcome[], crashes: Crash[]): boolean {
  if (c.name === undefined || !dependents('db').includes(c.name) || !dependencies(c.name).includes('worker')) return false;
  const restartedDb = outcomes.some((later) => later.index > c.index && later.kind === 'restart' && (later.name === undefined || later.name === 'db'));
  // a crash is seen when its exit event arrives, which may be after commands sent just after the kill
  return restartedDb || crashes.some((crash) => (crash.seenAfter ?? Number.POSITIVE_INFINITY) > c.index && crash.name === 'db');
}

describe('properties: random commands and crashes against a real system of three backends', () => {
  it('every command settles once with its own outcome, the final state matches the last command, and nothing is left running', async () => {
    const seen = { runs: 0, reachedRunning: 0, crashes: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
        const system = createTestSystem();
        const outcomes: Outcome[] = [];
        const crashes: Crash[] = [];
        system.subscribe((status) => {
          for (const crash of crashes) if (crash.seenAfter === undefined && status.services[crash.name]?.pid !== crash.pid) crash.seenAfter = outcomes.length;
        });
        const track = (c: Command) => {
          const outcome: Outcome = { ...c, index: outcomes.length, settled: 'pending', times: 0 };
          outcomes.push(outcome);
          const promise = send(system, c);
          promise.then(
            // a command about one service is answered by that service's status
            (status) => Object.assign(outcome, { settled: 'resolved', status: c.name === undefined ? status.status : status.services[c.name]?.status, times: outcome.times + 1 }),
            (error: { code?: string }) => Object.assign(outcome, { settled: 'rejected', code: error.code, times: outcome.times + 1 }),
          );
          return promise;
        };
        for (const step of actions) {
          if (step.kind === 'wait') await new Promise((resolve) => setTimeout(resolve, step.ms));
          else if (step.kind === 'crash') {
            // a crash waits (a little) for something to crash
            for (let tries = 0; tries < 40 && system.service(step.name).getStatus().pid === undefined; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
            const pid = system.service(step.name).getStatus().pid;
            if (pid !== undefined) {
              process.kill(pid, 'SIGKILL');
              crashes.push({ name: step.name, pid, sentAfter: outcomes.length });
              seen.crashes++;
            }
          } else if (step.kind === 'await') await within(track(step.command).catch(() => undefined), 20_000);
          else track(step);
        }
        const story = () => `${actions.map((a) => ('command' in a ? `await ${label(a.command)}` : a.kind === 'wait' ? `wait ${a.ms}` : a.kind === 'crash' ? `crash ${a.name}` : label(a))).join(', ')} → ${JSON.stringify(outcomes.map((o) => [label(o), o.settled, o.status ?? o.code]))}`;
        // every command settles by itself (a crash loop ends in RESTART_LIMIT); the last one decides the final state
        const last = outcomes.at(-1);
        await new Promise((resolve) => {
          const poll = setInterval(() => outcomes.every((o) => o.settled !== 'pending') && resolve(clearInterval(poll)), 20);
          setTimeout(() => resolve(clearInterval(poll)), 25_000).unref();
        });
        expect(outcomes.filter((o) => o.settled === 'pending').map(label), `never settled: ${story()}`).toEqual([]);
        // a crash the system has not seen yet (its exit event is on the way) lets a start resolve from the
        // running status; the restart policy then brings the service back, so the final state is read once
        // no service is between states
        const between = () => Object.values(system.getStatus().services).some((service) => service?.status === 'starting' || service?.status === 'stopping');
        for (let waited = 0; waited < 15_000 && between(); waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
        const final = system.getStatus();
        // a crash after the last command may use up a service's restarts: it gives up, and what needs it waits
        const gaveUpAfterLast = crashes.some((crash) => crash.sentAfter === outcomes.length) && Object.values(final.services).some((service) => service?.error?.code === 'RESTART_LIMIT');
        if (last?.settled === 'resolved' && !gaveUpAfterLast) {
          const scope = last.name === undefined ? names : last.kind === 'stop' ? dependents(last.name) : dependencies(last.name);
          const expected = last.kind === 'stop' ? 'stopped' : 'running';
          // worker's `stop` policy takes it down for good when db falls: after a command about the whole system, or
          // when db's crash reached the system after the last command (a restart(worker) is then undone by policy)
          const dbFellAfterLast = crashes.some((crash) => crash.name === 'db' && (crash.seenAfter ?? Number.POSITIVE_INFINITY) > last.index);
          const policyDown = (name: string) => (last.name === undefined || dbFellAfterLast) && name === 'worker' && final.services.worker?.status === 'stopped';
          for (const name of scope) if (!policyDown(name)) expect(final.services[name]?.status, `${name} after ${story()}`).toBe(expected);
        }
        const end = await within(system.stop(), 20_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(end === 'timeout' ? 'timeout' : end.status, `final stop after ${story()}`).toBe('stopped');
        expect(outcomes.filter((o) => o.times !== 1).map(label), story()).toEqual([]);
        for (const o of outcomes) {
          if (o.settled === 'resolved') expect(o.status, `${label(o)} resolved with: ${story()}`).toMatch(o.kind === 'stop' ? /^(stopped|starting|running|error)$/ : /^running$/);
          else if (o.code === 'STOPPED') expect(stoppedLater(o, outcomes) || droppedLater(o, outcomes, crashes), `${label(o)} rejected STOPPED with no stop after it: ${story()}`).toBe(true);
          else expect(o.code, `${label(o)}: ${story()}`).toMatch(/^(RESTART_LIMIT|EXITED_UNEXPECTEDLY|CRASHED_DURING_STARTUP|UNHEALTHY|HEALTH_TIMEOUT)$/);
        }
        if (outcomes.some((o) => o.status === 'running')) seen.reachedRunning++;
        seen.runs++;
        expect(processesWithEnv('BL_TEST_MARKER', testMarker), `left running after ${story()}`).toEqual([]);
      }),
      { examples: [[[{ kind: 'await', command: { kind: 'start' } }]]], numRuns: Number(process.env.PROPERTY_RUNS ?? 12), interruptAfterTimeLimit: 150_000, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    expect(seen.reachedRunning).toBeGreaterThan(0);
    console.log(`system properties: ${seen.runs} runs, ${seen.reachedRunning} reached running, ${seen.crashes} services SIGKILLed`);
  }, 240_000);
});
