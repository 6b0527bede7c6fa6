import { describe, expect, it } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { backendSystemMachine, type ServiceCommandEvent, type SystemInput } from '../../machines/backend-system.machine.js';
import type { BackendStatus } from '../../machines/status.js';
import { commandOutcome } from '../../machines/system-outcomes.js';
import { SystemGraphError, startOrder } from '../../machines/system-graph.js';
import { fakeServices } from '../helpers/fake-services.js';

const spec = (dependsOn: string[] = [], onDependencyFailure: 'restart' | 'stop' | 'ignore' = 'restart') => ({ dependsOn, onDependencyFailure });

function system(services: SystemInput['services']) {
  const fakes = fakeServices();
  const actor = createActor(backendSystemMachine.provide({ actors: { services: fakes.services } }), { input: { services } });
  actor.start();
  return { actor, ...fakes, statuses: () => actor.getSnapshot().context.statuses };
}

describe('the system statechart (pure, with fake services)', () => {
  it('starts a chain in dependency order, each only once what it needs runs, and stops it in reverse', () => {
    const { actor, log, statuses } = system({ web: spec(['api']), api: spec(['db']), db: spec() });
    actor.send({ type: 'system.start' });
    expect(log).toEqual(['db:start', 'api:start', 'web:start']);
    expect(statuses()).toEqual({ db: 'running', api: 'running', web: 'running' });
    log.length = 0;
    actor.send({ type: 'system.stop' });
    expect(log).toEqual(['web:stop', 'api:stop', 'db:stop']);
    expect(actor.getSnapshot().value).toBe('idle');
  });

  it('a dependency that crashes takes its dependents down by policy: restart, stop, ignore', () => {
    const { actor, log, report, statuses } = system({ db: spec(), api: spec(['db'], 'restart'), worker: spec(['db'], 'stop'), metrics: spec(['db'], 'ignore') });
    actor.send({ type: 'system.start' });
    log.length = 0;
    report('db', 'starting'); // crashed: its supervisor restarts it
    expect(log).toEqual(['worker:stop', 'api:stop']);
    expect(statuses()).toMatchObject({ api: 'stopped', worker: 'stopped', metrics: 'running' });
    report('db', 'running');
    expect(log).toEqual(['worker:stop', 'api:stop', 'api:start']);
    expect(statuses()).toEqual({ db: 'running', api: 'running', worker: 'stopped', metrics: 'running' });
  });

  it('stopping one service stops what needs it first; starting one starts what it needs', () => {
    const { actor, log } = system({ db: spec(), api: spec(['db']), cache: spec() });
    actor.send({ type: 'service.start', name: 'api' });
    expect(log).toEqual(['db:start', 'api:start']);
    log.length = 0;
    actor.send({ type: 'service.stop', name: 'db' });
    expect(log).toEqual(['api:stop', 'db:stop']);
  });

  it('restart of the whole system: down in reverse, up in order; a start during the stop waits for it', () => {
    const { actor, log } = system({ db: spec(), api: spec(['db']) });
    actor.send({ type: 'system.start' });
    log.length = 0;
    actor.send({ type: 'system.restart' });
    expect(log).toEqual(['api:stop', 'db:stop', 'db:start', 'api:start']);
    expect(actor.getSnapshot().value).toBe('active');
  });

  it('a stop after a service gave up takes it to stopped too; an error its stop itself ends in (STOP_FAILED) stays', () => {
    const { actor, log, report, statuses } = system({ db: spec(), api: spec(['db']) });
    actor.send({ type: 'system.start' });
    report('db', 'error'); // gave up: api goes down with it (policy restart)
    log.length = 0;
    actor.send({ type: 'system.stop' });
    expect(log).toEqual(['db:stop']);
    expect(statuses()).toEqual({ db: 'stopped', api: 'stopped' });
    actor.send({ type: 'system.start' });
    log.length = 0;
    actor.send({ type: 'system.stop' });
    report('db', 'error'); // the stop itself failed
    expect(log).toEqual(['api:stop', 'db:stop']);
    expect(statuses()).toEqual({ db: 'error', api: 'stopped' });
    expect(actor.getSnapshot().value).toBe('idle');
  });

  it('a second start of a service that gave up, sent before the first one\'s status arrived, leaves no retry behind', () => {
    const sent: string[] = [];
    // services whose statuses arrive later, as a real supervisor's do (a microtask after the command)
    const services = fromCallback<ServiceCommandEvent, { names: readonly string[] }>(({ receive }) => receive((event) => sent.push(`${event.name}:${event.command}`)));
    const actor = createActor(backendSystemMachine.provide({ actors: { services } }), { input: { services: { db: spec() } } });
    actor.start();
    const status = (value: BackendStatus) => actor.send({ type: 'service.status', name: 'db', status: value });
    actor.send({ type: 'system.start' });
    status('starting');
    status('error');
    actor.send({ type: 'service.restart', name: 'db' });
    actor.send({ type: 'service.start', name: 'db' });
    status('starting');
    status('running');
    expect(sent).toEqual(['db:start', 'db:start']);
    const context = actor.getSnapshot().context;
    expect([context.retry.db, context.pending.db]).toEqual([false, undefined]);
    expect(commandOutcome({ ...context, phase: 'active' }, { command: 'start', name: 'db', epoch: context.epoch })).toEqual({ kind: 'done' });
  });

  it("services named like Object's own members (constructor, toString) are services like any other", () => {
    const { actor, log, statuses } = system({ constructor: spec(), toString: spec(['constructor']) });
    actor.send({ type: 'system.start' });
    expect(log).toEqual(['constructor:start', 'toString:start']);
    expect(statuses()).toEqual({ constructor: 'running', toString: 'running' });
    log.length = 0;
    actor.send({ type: 'system.stop' });
    expect(log).toEqual(['toString:stop', 'constructor:stop']);
  });

  it('unknown dependencies and cycles are refused, naming them', () => {
    expect(() => startOrder({ api: spec(['db']) })).toThrow(new SystemGraphError('service "api" depends on "db", which is not a service of this system'));
    // inherited members of a plain object are not services
    expect(() => startOrder({ api: spec(['constructor']) })).toThrow('service "api" depends on "constructor", which is not a service of this system');
    expect(() => startOrder({ api: spec(['hasOwnProperty']) })).toThrow('service "api" depends on "hasOwnProperty", which is not a service of this system');
    expect(() => startOrder({ a: spec(['b']), b: spec(['c']), c: spec(['a']) })).toThrow('dependency cycle: a → b → c → a');
    expect(() => startOrder({ a: spec(['a']) })).toThrow('service "a" depends on itself');
    expect(startOrder({ api: spec(['db', 'cache']), db: spec(), cache: spec() })).toEqual(['db', 'cache', 'api']);
  });
});
