// Writes visualizations/<machine>.{mmd,dot,svg} from the machine objects; --check fails when they are stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { AnyStateMachine } from 'xstate';
import { backendLifecycleMachine, backendSystemMachine } from '../machines/index.js';
import { renderDot } from './render-dot.js';
import { renderMermaid } from './render-mermaid.js';

const machines: Record<string, AnyStateMachine> = { 'backend-lifecycle': backendLifecycleMachine, 'backend-system': backendSystemMachine };
const outDir = join(import.meta.dirname, '..', 'visualizations');
const check = process.argv.includes('--check');

const graphviz = await Graphviz.load();
const stale: string[] = [];
mkdirSync(outDir, { recursive: true });
for (const [name, machine] of Object.entries(machines)) {
  const dot = renderDot(machine);
  const files: Record<string, string> = {
    [`${name}.mmd`]: renderMermaid(machine),
    [`${name}.dot`]: dot,
    [`${name}.svg`]: graphviz.dot(dot, 'svg'),
  };
  for (const [file, content] of Object.entries(files)) {
    const path = join(outDir, file);
    if (check) {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(file);
    } else writeFileSync(path, content);
  }
}
// the docs embed each Mermaid diagram between markers, so that it cannot drift either
const pages: Record<string, string> = { 'backend-lifecycle': 'docs/statechart.md', 'backend-system': 'docs/systems.md' };
for (const [name, machine] of Object.entries(machines)) {
  const page = pages[name] as string;
  const path = join(import.meta.dirname, '..', page);
  const text = readFileSync(path, 'utf8');
  const start = `<!-- diagram:${name}:start -->`;
  const end = `<!-- diagram:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`${page} lacks the markers ${start} … ${end}`);
  const updated = `${text.slice(0, from + start.length)}\n\n\`\`\`mermaid\n${renderMermaid(machine)}\`\`\`\n\n${text.slice(to)}`;
  if (updated === text) continue;
  if (check) stale.push(page);
  else writeFileSync(path, updated);
}
if (stale.length) {
  console.error(`visualizations/ is stale (${stale.join(', ')}): run "npm run visualize" and commit the result`);
  process.exit(1);
}
console.log(check ? 'visualizations/ matches machines/' : `wrote visualizations/ for ${Object.keys(machines).join(', ')}`);
