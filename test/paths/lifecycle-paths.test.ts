import { getShortestPaths } from '@xstate/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnyEventObject, type AnyTransitionDefinition, createActor, type EventObject, pathToStateValue, SimulatedClock, type SnapshotFrom } from 'xstate';
import { backendLifecycleMachine, deriveStatus, type LifecycleEvent, type LifecycleInput } from '../../machines/index.js';
import { idleActors } from '../helpers/idle-actors.js';
import { allTransitions, machineEventTypes, transitionKey } from './transitions.js';

const machine = backendLifecycleMachine.provide({ actors: idleActors });
const input: LifecycleInput = {
  graceMs: 1_000,
  restart: { maxRestarts: 1, windowMs: 10_000, initialDelayMs: 100, maxDelayMs: 1_000, noRestartExitCodes: [78], identicalStartupCrashes: 2 },
};

const exit = { exitCode: 1, signal: null, outputTail: ['boom'], addressInUse: false, logFile: '/logs/a.log' };
const failure = { code: 'HEALTH_TIMEOUT', message: 'Backend server failed to start - connection refused' };
/** Payloads for the events the machine names; a new event without a payload fails the test below. */
const payloads: Record<string, AnyEventObject[]> = {
  'supervisor.start': [{ type: 'supervisor.start' }],
  'supervisor.stop': [{ type: 'supervisor.stop' }],
  'supervisor.restart': [{ type: 'supervisor.restart' }],
  'process.spawned': [{ type: 'process.spawned', pid: 4242, instanceId: 'instance-1', logFile: '/logs/a.log' }],
  'process.spawnFailed': [{ type: 'process.spawnFailed', error: { code: 'SPAWN_FAILED', message: 'Backend server failed to start - command "x" was not found' } }],
  'process.exited': [
    { type: 'process.exited', ...exit },
    { type: 'process.exited', ...exit, exitCode: 78 },
  ],
  'process.failed': [{ type: 'process.failed', error: { code: 'SPAWN_FAILED', message: 'Backend server cannot be supervised safely - its lockfile cannot be written' } }],
  'process.progress': [{ type: 'process.progress', detail: 'loading the model' }],
  'health.failed': [{ type: 'health.failed', error: { code: 'UNHEALTHY', message: 'Backend server stopped answering health checks' } }],
  'xstate.done.actor.allocatePort': [{ type: 'xstate.done.actor.allocatePort', output: 1733 }],
  'xstate.error.actor.allocatePort': [{ type: 'xstate.error.actor.allocatePort', error: { code: 'PORT_UNAVAILABLE', message: 'port already in use' } }],
  'xstate.error.actor.waitForHealth': [{ type: 'xstate.error.actor.waitForHealth', error: failure }],
  'xstate.error.actor.reapGroup': [{ type: 'xstate.error.actor.reapGroup', error: new Error('EPERM') }],
  'xstate.error.actor.prepareDirectories': [{ type: 'xstate.error.actor.prepareDirectories', error: { code: 'INVALID_OPTIONS', message: 'Invalid option "logDir": /x cannot be used' } }],
  'xstate.error.actor.reapOrphans': [{ type: 'xstate.error.actor.reapOrphans', error: { code: 'STOP_FAILED', message: 'the orphan survived' } }],
  'xstate.error.actor.runBackend': [{ type: 'xstate.error.actor.runBackend', error: new Error('a defect in the process actor') }],
  'xstate.error.actor.monitorHealth': [{ type: 'xstate.error.actor.monitorHealth', error: new Error('a defect in the monitor') }],
};
/** Done/error/after events carry no payload the machine reads, unless listed above. */
function eventsFor(type: string): EventObject[] {
  return payloads[type] ?? (/^xstate\.(done\.actor|error\.actor|after)\./.test(type) ? [{ type }] : []);
}

const eventTypes = machineEventTypes(machine);

/**
 * The events that can really happen in a snapshot: an actor's done/error event only while it
 * runs, a delayed event only while its state is active (XState rightly treats an unhandled
 * actor error as a crash of the machine, so offering impossible ones would test nonsense).
 */
function possibleEvents(snapshot: AnySnapshot): LifecycleEvent[] {
  return eventTypes
    .filter((type) => {
      const actor = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(type);
      if (actor) return actor[1] !== undefined && actor[1] in snapshot.children;
      const delayed = /^xstate\.after\.[^.]+\.(.+)$/.exec(type);
      if (delayed) return snapshot.matches(pathToStateValue((delayed[1] ?? '').split('.').slice(1)) as never);
      return true;
    })
    .flatMap(eventsFor) as LifecycleEvent[]; // done/error/after events are machine-internal, not in the public union
}
type AnySnapshot = SnapshotFrom<typeof machine>;
const defined = allTransitions(machine);
const covered = new Set<string>();

function essence(snapshot: AnySnapshot | undefined): unknown[] {
  if (!snapshot) return [];
  const { afterStop, restarts, error, pid } = snapshot.context;
  return [snapshot.value, afterStop, restarts, error?.code, error?.retryable, pid !== undefined];
}

/** Folding in where we came from and by which event makes every transition a graph node of its own. */
function serialize(snapshot: AnySnapshot, event: EventObject | undefined, previous?: AnySnapshot): string {
  return JSON.stringify([essence(snapshot), event?.type, essence(previous)]);
}

const paths = getShortestPaths(machine, { input, events: possibleEvents, serializeState: serialize });

describe('generated paths through backendLifecycleMachine', () => {
  it('every event the machine names has a payload to drive it', () => {
    expect(eventTypes.filter((type) => eventsFor(type).length === 0)).toEqual([]);
  });

  it(`replays ${paths.length} shortest paths on a real actor with a simulated clock`, () => {
    for (const path of paths) {
      const taken: AnyTransitionDefinition[] = [];
      const actor = createActor(machine, {
        input,
        clock: new SimulatedClock(),
        inspect: (inspection) => {
          if (inspection.type === '@xstate.microstep') taken.push(...(inspection as unknown as { _transitions: AnyTransitionDefinition[] })._transitions);
        },
      });
      actor.start();
      for (const step of path.steps) actor.send(step.event as LifecycleEvent);
      const snapshot = actor.getSnapshot();
      expect(snapshot.status).toBe('active');
      expect(snapshot.value).toEqual(path.state.value);
      // exactly one status tag per state: the status is never ambiguous
      expect(snapshot.tags.size, JSON.stringify(snapshot.value)).toBe(1);
      expect(deriveStatus(snapshot, new Date(0)).status).toBe([...snapshot.tags][0]);
      actor.stop();
      for (const transition of taken) covered.add(transitionKey(transition));
    }
  });

  it('covers every transition the machine defines', () => {
    const missing = [...defined.keys()].filter((key) => !covered.has(key));
    expect(missing).toEqual([]);
  });
});

afterAll(() => {
  const hit = [...defined.keys()].filter((key) => covered.has(key)).length;
  console.log(`transitions covered: ${hit} of ${defined.size} (backendLifecycleMachine, ${paths.length} paths)`);
});
