import { and, assign, enqueueActions, fromCallback, not, setup } from 'xstate';
import type { BackendStatus } from './status.js';
import { dependentsMap, type SystemServiceSpec, startOrder } from './system-graph.js';
import { allDown, isDown, planStart, recordStatus, type ServiceCommand, type SystemPlanState, wantsAny, withDependencies, withDependents } from './system-plan.js';

/** Commands to the system and to one of its services, and what the services report. */
export type SystemEvent =
  | { type: 'system.start' }
  | { type: 'system.stop' }
  | { type: 'system.restart' }
  | { type: 'service.start'; name: string }
  | { type: 'service.stop'; name: string }
  | { type: 'service.restart'; name: string }
  | { type: 'service.status'; name: string; status: BackendStatus };

/** What the system sends to its services actor: a command for one service. */
export type ServiceCommandEvent = { type: 'service.command'; name: string; command: ServiceCommand };

export interface SystemInput {
  services: Readonly<Record<string, SystemServiceSpec>>;
}

export type SystemContext = SystemPlanState;

type CommandEvent = Exclude<SystemEvent, { type: 'service.status' }>;

/** The services a command is about: one and what it needs (start) or what needs it (stop), or all. */
function scopeOf(context: SystemContext, event: CommandEvent): readonly string[] {
  if (!('name' in event)) return context.order;
  return event.type === 'service.stop' ? withDependents(context, event.name) : withDependencies(context, event.name);
}

/** What a command changes in what the system wants; every command opens a new epoch. */
function applyCommand(context: SystemContext, event: CommandEvent): Partial<SystemContext> {
  const epoch = context.epoch + 1;
  const wanted = { ...context.wanted };
  const wantedAt = { ...context.wantedAt };
  const unwantedAt = { ...context.unwantedAt };
  const cycle = { ...context.cycle };
  const retry = { ...context.retry };
  const stopping = event.type === 'system.stop' || event.type === 'service.stop';
  for (const name of scopeOf(context, event)) {
    wanted[name] = !stopping;
    if (stopping) {
      unwantedAt[name] = epoch;
      cycle[name] = false;
      retry[name] = false;
    } else {
      wantedAt[name] = epoch;
      // a service that gave up is tried again: a "Retry" is a start like any other
      if (context.statuses[name] === 'error') retry[name] = true;
    }
  }
  // a restart takes down what it restarts (not what that needs): the stop and start follow from `cycle`
  const restarted = event.type === 'system.restart' ? context.order : event.type === 'service.restart' ? [event.name] : [];
  for (const name of restarted) if (!isDown(context.statuses[name])) cycle[name] = true;
  // asked for while a dependency is down: it goes down too and comes back with it (no `stop` policy applies)
  const serving = (name: string) => context.statuses[name] === 'running' && !cycle[name];
  if (!stopping) for (const name of scopeOf(context, event)) if (!isDown(context.statuses[name]) && !(context.services[name]?.dependsOn ?? []).every(serving)) cycle[name] = true;
  return { epoch, wanted, wantedAt, unwantedAt, cycle, retry };
}

/**
 * Several backends as one system: a pure XState v5 statechart with one child actor that drives the services
 * (`services`, provided by `createBackendSystem`: one supervisor's lifecycle actor each). Every
 * command only changes what the system wants (`wanted`, `cycle` for restarts, `retry` for services
 * that gave up); one reconciliation then starts services in dependency order, each only once its
 * dependencies run (health-gated), stops them dependents first, and applies each service's policy
 * when a dependency stops running. `idle`: nothing wanted and all down; `active`: something
 * wanted; `stopping`: nothing wanted, something still up. An unknown dependency or a cycle throws
 * at creation (`startOrder`).
 *
 * @example
 * const actor = createActor(backendSystemMachine.provide({ actors: { services: driveSupervisors } }), { input: { services: specs } });
 */
export const backendSystemMachine = setup({
  types: {
    context: {} as SystemContext,
    events: {} as SystemEvent,
    input: {} as SystemInput,
  },
  actors: {
    // one actor for all services (not one child each): a system of thousands is created in linear time
    services: fromCallback<ServiceCommandEvent, { names: readonly string[] }>(() => {
      throw new Error('The "services" actor is not provided: use createBackendSystem() or machine.provide({ actors })');
    }),
  },
  guards: {
    wantsAny: ({ context }) => wantsAny(context),
    allDown: ({ context }) => allDown(context),
  },
  actions: {
    record: assign(({ context, event }) => (event.type === 'service.status' ? recordStatus(context, event.name, event.status) : {})),
    command: assign(({ context, event }) => (event.type === 'service.status' ? {} : applyCommand(context, event))),
    reconcile: enqueueActions(({ context, enqueue }) => {
      const { commands, ...changes } = planStart(context);
      for (const [name, command] of commands) enqueue.sendTo('services', { type: 'service.command', name, command } satisfies ServiceCommandEvent);
      enqueue.assign(changes);
    }),
  },
}).createMachine({
  id: 'backendSystem',
  context: ({ input }) => {
    const order = startOrder(input.services);
    // every service an own key from the start, so no name can meet an inherited member
    const each = <T>(value: T) => Object.fromEntries(order.map((name) => [name, value]));
    return {
      services: input.services,
      order,
      dependents: dependentsMap(input.services),
      statuses: each<BackendStatus>('stopped'),
      wanted: each(false),
      pending: each<ServiceCommand | undefined>(undefined),
      cycle: each(false),
      retry: each(false),
      epoch: 0,
      wantedAt: each(0),
      unwantedAt: each(0),
      droppedAt: each(0),
      failedAt: each(0),
      stoppedAt: each(0),
    };
  },
  invoke: { id: 'services', src: 'services', input: ({ context }) => ({ names: context.order }) },
  on: {
    'service.status': { actions: ['record', 'reconcile'] },
    'system.start': { actions: ['command', 'reconcile'] },
    'system.stop': { actions: ['command', 'reconcile'] },
    'system.restart': { actions: ['command', 'reconcile'] },
    'service.start': { actions: ['command', 'reconcile'] },
    'service.stop': { actions: ['command', 'reconcile'] },
    'service.restart': { actions: ['command', 'reconcile'] },
  },
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'wantsAny', target: 'active' },
    },
    active: {
      always: [
        { guard: and([not('wantsAny'), 'allDown']), target: 'idle' },
        { guard: not('wantsAny'), target: 'stopping' },
      ],
    },
    stopping: {
      always: [
        { guard: 'wantsAny', target: 'active' },
        { guard: 'allDown', target: 'idle' },
      ],
    },
  },
});
