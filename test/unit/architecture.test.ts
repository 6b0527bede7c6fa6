import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

// The rooms of src/ and what each may import (docs/architecture.md draws them). A room is a folder
// of src/, or one of the public API files at its top; `machines` is the pure statechart beside src/.
const allowed: Record<string, readonly string[]> = {
  machines: [],
  'errors.ts': ['machines'],
  disk: ['errors.ts'],
  net: ['errors.ts'],
  platform: ['errors.ts'],
  options: ['machines', 'errors.ts', 'disk'],
  process: ['machines', 'errors.ts', 'options', 'disk', 'net', 'platform'],
  actors: ['machines', 'errors.ts', 'options', 'disk', 'net', 'process'],
  diagnose: ['machines', 'errors.ts', 'options', 'platform'],
  report: ['machines', 'errors.ts', 'options', 'disk', 'diagnose'],
  supervisor: ['machines', 'errors.ts'],
  'supervisor.ts': ['machines', 'errors.ts', 'options', 'net', 'actors', 'diagnose', 'report', 'supervisor'],
  'system.ts': ['machines', 'errors.ts', 'options', 'diagnose', 'report', 'supervisor.ts'],
  'index.ts': ['machines', 'errors.ts', 'options', 'diagnose', 'report', 'supervisor.ts', 'system.ts'],
  electron: ['machines', 'errors.ts', 'options', 'net', 'diagnose', 'report', 'supervisor.ts', 'system.ts'],
  react: ['machines', 'electron'],
  ui: ['machines', 'errors.ts', 'supervisor.ts'],
  cli: ['machines', 'errors.ts', 'options', 'disk', 'process', 'diagnose', 'report', 'supervisor.ts', 'system.ts', 'ui'],
  types: [],
};
const publicApi = ['errors.ts', 'index.ts', 'supervisor.ts', 'system.ts'];

const root = join(import.meta.dirname, '..', '..');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder)).flatMap((name) => {
    const path = posix.join(folder, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** `src/options/options.ts` -> `options`, `src/system.ts` -> `system.ts`, `machines/x.ts` -> `machines`. */
function roomOf(path: string): string {
  const [top, first, second] = path.split('/');
  if (top === 'machines') return 'machines';
  if (top !== 'src' || first === undefined) return top ?? path;
  return second === undefined ? first : first;
}

/**
 * Every relative import (static, re-export or dynamic; with `typesOnly`, also `import type` and
 * `export type`) of every file, resolved to its .ts/.tsx file.
 */
function importGraph(typesOnly: boolean): Map<string, string[]> {
  const files = [...sources('src'), ...sources('machines')];
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(/(?:^(import|export)(\s+type\b)?[^;]*?\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gms)) {
      if (match[2] && !typesOnly) continue;
      const spec = posix.normalize(posix.join(posix.dirname(file), match[3]!));
      const target = [spec, spec.replace(/\.js$/, '.ts'), spec.replace(/\.js$/, '.tsx'), `${spec}.ts`].find((candidate) => known.has(candidate));
      targets.push(target ?? spec);
    }
    graph.set(file, targets);
  }
  return graph;
}

describe('the rooms of src/ (docs/architecture.md)', () => {
  const graph = importGraph(true);

  it('keeps only the public API files at the top of src/; every other concern is a folder', () => {
    const loose = readdirSync(join(root, 'src')).filter((name) => !statSync(join(root, 'src', name)).isDirectory());
    expect(loose.sort()).toEqual(publicApi);
    const folders = readdirSync(join(root, 'src')).filter((name) => statSync(join(root, 'src', name)).isDirectory());
    expect(folders.filter((folder) => !(folder in allowed))).toEqual([]);
  });

  it('imports only in the allowed directions', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = roomOf(file);
        const to = roomOf(target);
        if (from === to) continue;
        if (!allowed[from]?.includes(to)) wrong.push(`${file} imports ${target} (${from} may import: ${allowed[from]?.join(', ') || 'nothing'})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('resolves every relative import to a source file', () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((target) => !graph.has(target)).map((target) => `${file} -> ${target}`));
    expect(missing).toEqual([]);
  });

  // a type-only import is gone at run time; a cycle of them only couples two files' types
  it('has no cycle of run-time imports between files', () => {
    const runtime = importGraph(false);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of runtime.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of runtime.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
