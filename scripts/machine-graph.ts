import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** One edge of a diagram: transitions between the same two nodes share an edge and a label. */
export interface DiagramEdge {
  from: AnyStateNode;
  to: AnyStateNode;
  labels: string[];
}

/** A short label: `supervisor.stop`, `done: allocatePort`, `after killGrace`, `always [canRecover]`. */
export function transitionLabel(transition: AnyTransitionDefinition): string {
  const type = transition.eventType;
  const event =
    type === ''
      ? 'always'
      : type.startsWith('xstate.done.actor.')
        ? `done: ${type.slice('xstate.done.actor.'.length)}`
        : type.startsWith('xstate.error.actor.')
          ? `error: ${type.slice('xstate.error.actor.'.length)}`
          : type.startsWith('xstate.after.')
            ? `after ${type.split('.')[2]}`
            : type;
  const guardName = nameOfGuard(transition.guard);
  return guardName ? `${event} [${guardName}]` : event;
}

/** A guard as a label: its name, its `{ type }`, or the parts of an `and(...)`/`or(...)`/`not(...)`. */
function nameOfGuard(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String(guard.type);
  if (typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards)) {
    const parts = guard.guards.map(nameOfGuard).filter((part): part is string => part !== undefined);
    if (parts.length === 0) return undefined;
    // xstate names the combinators' functions: and, or, not
    if (guard.name === 'not') return `!${parts.join('')}`;
    return parts.join(guard.name === 'or' ? ' | ' : ' & ');
  }
  return undefined;
}

/** Every edge of the machine, read from its state nodes (toJSON() would drop `always`). */
export function machineEdges(machine: AnyStateMachine): DiagramEdge[] {
  const edges = new Map<string, DiagramEdge>();
  const visit = (node: AnyStateNode) => {
    const transitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const transition of transitions) {
      for (const to of transition.target ?? [node]) {
        const key = `${node.id}->${to.id}`;
        const edge = edges.get(key) ?? { from: node, to, labels: [] };
        const label = transitionLabel(transition);
        if (!edge.labels.includes(label)) edge.labels.push(label);
        edges.set(key, edge);
      }
    }
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(machine.root);
  return [...edges.values()];
}

export function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

/** The node's path without the machine id, e.g. `launched.running`. */
export function statePath(node: AnyStateNode): string {
  return node.path.join('.');
}

/** What a state does while active: its invoked actors, for the diagram labels. */
export function invokedActors(node: AnyStateNode): string[] {
  return node.invoke.map((invoke) => String(invoke.id));
}
