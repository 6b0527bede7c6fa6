import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { children, invokedActors, machineEdges, statePath } from './machine-graph.js';

const idOf = (node: AnyStateNode) => node.path.join('_') || 'root';

function stateBlock(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  const invokes = invokedActors(node);
  const label = invokes.length ? `${node.key} (invokes ${invokes.join(', ')})` : node.key;
  lines.push(`${indent}state "${label}" as ${idOf(node)}`);
  const kids = children(node);
  if (kids.length === 0) return lines;
  lines.push(`${indent}state ${idOf(node)} {`);
  const initial = node.initial?.target?.[0];
  if (initial) lines.push(`${indent}  [*] --> ${idOf(initial)}`);
  for (const child of kids) lines.push(...stateBlock(child, `${indent}  `));
  lines.push(`${indent}}`);
  return lines;
}

/** A Mermaid stateDiagram-v2 of the machine, generated from its state nodes. */
export function renderMermaid(machine: AnyStateMachine): string {
  const root = machine.root;
  const lines = ['stateDiagram-v2', '  direction LR'];
  const initial = root.initial?.target?.[0];
  if (initial) lines.push(`  [*] --> ${idOf(initial)}`);
  for (const child of children(root)) lines.push(...stateBlock(child, '  '));
  for (const edge of machineEdges(machine)) {
    if (edge.from === root) continue;
    lines.push(`  ${idOf(edge.from)} --> ${idOf(edge.to)}: ${edge.labels.join(' / ')}`);
  }
  for (const node of children(root)) {
    const tags = [...node.tags];
    if (tags.length) lines.push(`  %% ${statePath(node)} status: ${tags.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
