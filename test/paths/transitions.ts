import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** Every state node of a machine, depth first. */
export function stateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const visit = (node: AnyStateNode) => {
    nodes.push(node);
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(machine.root);
  return nodes;
}

/** A readable, stable name for one transition: `source --event[#n]--> targets`. */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const source = transition.source;
  const siblings = transition.eventType === '' ? (source.always ?? []) : (source.transitions.get(transition.eventType) ?? []);
  const index = siblings.indexOf(transition);
  const targets = transition.target?.map((t) => t.id).join(',') ?? '(stay)';
  const event = transition.eventType === '' ? 'always' : transition.eventType;
  return `${source.id} --${event}${siblings.length > 1 ? `#${index}` : ''}--> ${targets}`;
}

/** All transitions the machine defines (on, after, invoke onDone/onError, always), read from the machine itself. */
export function allTransitions(machine: AnyStateMachine): Map<string, AnyTransitionDefinition> {
  const all = new Map<string, AnyTransitionDefinition>();
  for (const node of stateNodes(machine)) {
    for (const list of node.transitions.values()) for (const transition of list) all.set(transitionKey(transition), transition);
    for (const transition of node.always ?? []) all.set(transitionKey(transition), transition);
  }
  return all;
}

/** The event types the machine reacts to, from its own state nodes. */
export function machineEventTypes(machine: AnyStateMachine): string[] {
  const types = new Set<string>();
  for (const node of stateNodes(machine)) for (const type of node.transitions.keys()) types.add(type);
  return [...types].sort();
}
