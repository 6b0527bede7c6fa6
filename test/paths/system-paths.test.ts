import { getShortestPaths } from '@xstate/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnyTransitionDefinition, createActor, type EventObject, fromCallback, type SnapshotFrom } from 'xstate';
import { backendSystemMachine, type ServiceCommandEvent, type SystemEvent, type SystemInput } from '../../machines/backend-system.machine.js';
import { allDown } from '../../machines/system-plan.js';
import { allTransitions, machineEventTypes, transitionKey } from './transitions.js';

// services that never answer by themselves: every status change is an event of the path
const machine = backendSystemMachine.provide({ actors: { services: fromCallback<ServiceCommandEvent, { names: readonly string[] }>(() => {}) } });
const input: SystemInput = { services: { db: { dependsOn: [], onDependencyFailure: 'restart' }, api: { dependsOn: ['db'], onDependencyFailure: 'restart' } } };
const names = Object.keys(input.services);
const statuses = ['starting', 'running', 'stopping', 'stopped', 'error'] as const;

/** Payloads for the events the machine names; a new event without a payload fails the test below. */
const payloads: Record<string, SystemEvent[]> = {
  'system.start': [{ type: 'system.start' }],
  'system.stop': [{ type: 'system.stop' }],
  'system.restart': [{ type: 'system.restart' }],
  'service.start': names.map((name) => ({ type: 'service.start', name })),
  'service.stop': names.map((name) => ({ type: 'service.stop', name })),
  'service.restart': names.map((name) => ({ type: 'service.restart', name })),
  'service.status': names.flatMap((name) => statuses.map((status) => ({ type: 'service.status' as const, name, status }))),
};
const eventTypes = machineEventTypes(machine);
const events = eventTypes.flatMap((type) => payloads[type] ?? []);
type Snapshot = SnapshotFrom<typeof machine>;

function essence(snapshot: Snapshot | undefined): unknown[] {
  if (!snapshot) return [];
  // what decides the next transition: the state, what is wanted (and restarting), and what the services report
  const { statuses: now, wanted, cycle } = snapshot.context;
  return [snapshot.value, allDown(snapshot.context), now, wanted, cycle];
}

const paths = getShortestPaths(machine, {
  input,
  events,
  // folding in where we came from and by which event makes every transition a graph node of its own
  serializeState: (snapshot, event: EventObject | undefined, previous?: unknown) => JSON.stringify([essence(snapshot as Snapshot), event?.type, essence(previous as Snapshot | undefined)]),
});
const defined = allTransitions(machine);
const covered = new Set<string>();

describe('generated paths through backendSystemMachine', () => {
  it('every event the machine names has a payload to drive it', () => {
    expect(eventTypes.filter((type) => (payloads[type] ?? []).length === 0)).toEqual([]);
  });

  it(`replays ${paths.length} shortest paths on a real actor`, () => {
    for (const path of paths) {
      const taken: AnyTransitionDefinition[] = [];
      const actor = createActor(machine, {
        input,
        inspect: (inspection) => {
          if (inspection.type === '@xstate.microstep' && inspection.actorRef === actor) taken.push(...(inspection as unknown as { _transitions: AnyTransitionDefinition[] })._transitions);
        },
      });
      actor.start();
      for (const step of path.steps) actor.send(step.event as SystemEvent);
      expect(actor.getSnapshot().value).toEqual(path.state.value);
      // a system that wants nothing is never left active with nothing to do, and a stop always ends
      if (actor.getSnapshot().value === 'stopping') expect(allDown(actor.getSnapshot().context)).toBe(false);
      actor.stop();
      for (const transition of taken) covered.add(transitionKey(transition));
    }
  });

  it('covers every transition the machine defines', () => {
    expect([...defined.keys()].filter((key) => !covered.has(key))).toEqual([]);
  });
});

afterAll(() => {
  const hit = [...defined.keys()].filter((key) => covered.has(key)).length;
  console.log(`transitions covered: ${hit} of ${defined.size} (backendSystemMachine, ${paths.length} paths)`);
});
