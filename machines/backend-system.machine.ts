import { and, assign, enqueueActions, fromCallback, setup } from 'xstate';
import type { BackendStatus } from './status.js';
import { type SystemServiceSpec, startOrder } from './system-graph.js';
import { allDown, planStart, planStop, recordStatus, type ServiceCommand, type SystemPlanState, withDependencies, withDependents } from './system-plan.js';

/** Commands to the system and to one of its services, and what the services report. */
export type SystemEvent =
  | { type: 'system.start' }
  | { type: 'system.stop' }
  | { type: 'system.restart' }
  | { type: 'service.start'; name: string }
  | { type: 'service.stop'; name: string }
  | { type: 'service.restart'; name: string }
  | { type: 'service.status'; name: string; status: BackendStatus };

/** What the system sends to a service actor. */
export type ServiceCommandEvent = { type: 'service.command'; command: ServiceCommand };

export interface SystemInput {
  services: Readonly<Record<string, SystemServiceSpec>>;
}

export interface SystemContext extends SystemPlanState {
  /** What follows once everything is down: stay stopped, or start everything again (`system.restart`). */
  afterStop: 'stopped' | 'restart';
  /** Services asked to start while the system was stopping: started (with what they need) once it is down. */
  resume: string[];
}

/**
 * Several backends as one system: a pure XState v5 statechart with one child actor per service
 * (`service`, provided by `createBackendSystem`: each one a supervisor's lifecycle actor). It
 * starts services in dependency order, each only once its dependencies run (health-gated), stops
 * them in reverse order, and applies each service's policy when a dependency stops running. An
 * unknown dependency or a cycle throws at creation (`startOrder`).
 *
 * @example
 * const actor = createActor(backendSystemMachine.provide({ actors: { service } }), { input: { services } });
 */
export const backendSystemMachine = setup({
  types: {
    context: {} as SystemContext,
    events: {} as SystemEvent,
    input: {} as SystemInput,
  },
  actors: {
    service: fromCallback<ServiceCommandEvent, { name: string }>(() => {
      throw new Error('The "service" actor is not provided: use createBackendSystem() or machine.provide({ actors })');
    }),
  },
  guards: {
    allDown: ({ context }) => allDown(context),
    wantsRestart: ({ context }) => context.afterStop === 'restart',
    wantsResume: ({ context }) => context.resume.length > 0,
  },
  actions: {
    spawnServices: enqueueActions(({ context, enqueue }) => {
      for (const name of context.order) enqueue.spawnChild('service', { id: name, input: { name } });
    }),
    record: assign(({ context, event }) => (event.type === 'service.status' ? recordStatus(context, event.name, event.status) : {})),
    wantAll: assign(({ context }) => ({ wanted: Object.fromEntries(context.order.map((name) => [name, true])), afterStop: 'stopped' as const, resume: [] })),
    wantResumed: assign(({ context }) => ({
      wanted: Object.fromEntries(context.order.map((name) => [name, context.resume.some((resumed) => withDependencies(context.services, resumed).includes(name))])),
      resume: [],
    })),
    rememberResume: assign(({ context, event }) => (event.type === 'service.start' || event.type === 'service.restart' ? { resume: [...context.resume, event.name] } : {})),
    wantService: assign(({ context, event }) => {
      if (event.type !== 'service.start') return {};
      return { wanted: { ...context.wanted, ...Object.fromEntries(withDependencies(context.services, event.name).map((name) => [name, true])) } };
    }),
    unwantService: assign(({ context, event }) => {
      if (event.type !== 'service.stop') return {};
      return { wanted: { ...context.wanted, ...Object.fromEntries(withDependents(context.services, event.name).map((name) => [name, false])) } };
    }),
    planRestart: assign({ afterStop: 'restart' as const }),
    planStopped: assign({ afterStop: 'stopped' as const, resume: [] }),
    restartService: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'service.restart') enqueue.sendTo(event.name, { type: 'service.command', command: 'restart' } satisfies ServiceCommandEvent);
    }),
    reconcile: enqueueActions(({ context, enqueue }) => {
      const { commands, wanted } = planStart(context);
      const pending = { ...context.pending };
      for (const [name, command] of commands) {
        pending[name] = command;
        enqueue.sendTo(name, { type: 'service.command', command } satisfies ServiceCommandEvent);
      }
      enqueue.assign({ wanted, pending });
    }),
    windDown: enqueueActions(({ context, enqueue }) => {
      const pending = { ...context.pending };
      for (const [name, command] of planStop(context)) {
        pending[name] = command;
        enqueue.sendTo(name, { type: 'service.command', command } satisfies ServiceCommandEvent);
      }
      enqueue.assign({ pending, wanted: Object.fromEntries(context.order.map((name) => [name, false])) });
    }),
  },
}).createMachine({
  id: 'backendSystem',
  context: ({ input }) => {
    const order = startOrder(input.services);
    return {
      services: input.services,
      order,
      statuses: Object.fromEntries(order.map((name) => [name, 'stopped' as BackendStatus])),
      wanted: Object.fromEntries(order.map((name) => [name, false])),
      // every service an own key from the start, so no name can meet an inherited member
      pending: Object.fromEntries(order.map((name) => [name, undefined])),
      afterStop: 'stopped',
      resume: [],
    };
  },
  entry: 'spawnServices',
  initial: 'idle',
  states: {
    idle: {
      on: {
        'system.start': { target: 'active', actions: 'wantAll' },
        'system.restart': { target: 'active', actions: 'wantAll' },
        'service.start': { target: 'active', actions: 'wantService' },
        'service.restart': { target: 'active', actions: 'wantService' },
        'service.status': { actions: 'record' },
        'service.stop': {},
        'system.stop': {},
      },
    },
    active: {
      entry: 'reconcile',
      on: {
        'service.status': { actions: ['record', 'reconcile'] },
        'service.start': { actions: ['wantService', 'reconcile'] },
        'service.stop': { actions: ['unwantService', 'reconcile'] },
        'service.restart': { actions: 'restartService' },
        'system.start': { actions: ['wantAll', 'reconcile'] },
        'system.stop': { target: 'stopping', actions: 'planStopped' },
        'system.restart': { target: 'stopping', actions: 'planRestart' },
      },
    },
    stopping: {
      entry: 'windDown',
      always: [
        { guard: and(['allDown', 'wantsRestart']), target: 'active', actions: 'wantAll' },
        { guard: and(['allDown', 'wantsResume']), target: 'active', actions: 'wantResumed' },
        { guard: 'allDown', target: 'idle' },
      ],
      on: {
        'service.status': { actions: ['record', 'windDown'] },
        'system.start': { actions: 'planRestart' },
        'system.restart': { actions: 'planRestart' },
        'system.stop': { actions: 'planStopped' },
        'service.start': { actions: 'rememberResume' },
        'service.restart': { actions: 'rememberResume' },
        'service.stop': {},
      },
    },
  },
});
