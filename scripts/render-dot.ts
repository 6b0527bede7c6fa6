import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { children, invokedActors, machineEdges, statePath } from './machine-graph.js';

const quote = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
const nodeId = (node: AnyStateNode) => quote(statePath(node) || 'root');
// a compound state is drawn as a cluster; edges to and from it attach to its initial point
const anchorId = (node: AnyStateNode) => quote(`${statePath(node)}.__initial`);

const statusColours: Record<string, string> = {
  stopped: '#e5e7eb',
  starting: '#fef3c7',
  running: '#d1fae5',
  stopping: '#ffedd5',
  error: '#fee2e2',
};

/** The status tag of a state, inherited from the nearest tagged ancestor. */
function statusTag(node: AnyStateNode | undefined): string | undefined {
  if (!node) return undefined;
  return [...node.tags][0] ?? statusTag(node.parent);
}

function label(node: AnyStateNode): string {
  const invokes = invokedActors(node);
  return invokes.length ? `${node.key}\n⟳ ${invokes.join(', ')}` : node.key;
}

function nodeLines(node: AnyStateNode, indent: string): string[] {
  const kids = children(node);
  const id = `state-${statePath(node)}`;
  if (kids.length === 0) {
    const fill = statusColours[statusTag(node) ?? ''] ?? '#ffffff';
    return [`${indent}${nodeId(node)} [id=${quote(id)}, label=${quote(label(node))}, fillcolor=${quote(fill)}];`];
  }
  const lines = [`${indent}subgraph ${quote(`cluster_${statePath(node)}`)} {`, `${indent}  id=${quote(id)}; label=${quote(label(node))};`];
  lines.push(`${indent}  ${anchorId(node)} [shape=point, width=0.12, label=""];`);
  for (const child of kids) lines.push(...nodeLines(child, `${indent}  `));
  const initial = node.initial?.target?.[0];
  if (initial) lines.push(`${indent}  ${anchorId(node)} -> ${children(initial).length ? anchorId(initial) : nodeId(initial)};`);
  lines.push(`${indent}}`);
  return lines;
}

/** A Graphviz DOT graph of the machine: clusters for compound states, one edge per state pair. */
export function renderDot(machine: AnyStateMachine): string {
  const root = machine.root;
  const lines = [
    `digraph ${quote(machine.id)} {`,
    '  compound=true; rankdir=TB; newrank=true; nodesep=0.4; ranksep=0.5; fontname="Helvetica"; fontsize=12;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#374151"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#6b7280"];',
    '  "__start" [shape=point, width=0.15, label=""];',
  ];
  for (const child of children(root)) lines.push(...nodeLines(child, '  '));
  const initial = root.initial?.target?.[0];
  if (initial) lines.push(`  "__start" -> ${nodeId(initial)};`);
  for (const edge of machineEdges(machine)) {
    if (edge.from === root) continue;
    const fromCompound = children(edge.from).length > 0;
    const toCompound = children(edge.to).length > 0;
    const attributes = [`label=${quote(edge.labels.join('\n'))}`];
    if (fromCompound) attributes.push(`ltail=${quote(`cluster_${statePath(edge.from)}`)}`);
    if (toCompound) attributes.push(`lhead=${quote(`cluster_${statePath(edge.to)}`)}`);
    lines.push(`  ${fromCompound ? anchorId(edge.from) : nodeId(edge.from)} -> ${toCompound ? anchorId(edge.to) : nodeId(edge.to)} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
