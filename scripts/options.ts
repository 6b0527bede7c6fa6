// Writes what comes from the option schemas: the options tables between
// `<!-- generated:options:<name>:start -->` and `…:end -->` markers in README.md and docs/*.md
// (docs/options.md is created with every table when no file has a marker yet), and the JSON
// Schema of system files. --check fails when any of it is stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { electronFields, proxyFields } from '../src/electron/electron-schema.js';
import { optionsTable } from '../src/options/schema.js';
import { portRangeFields, supervisorFields } from '../src/options/supervisor-schema.js';
import { systemFields, systemFileSchema, systemSchemaFile } from '../src/options/system-schema.js';
import { serviceFields } from '../src/options/system-options.js';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');

const tables: Record<string, string> = {
  supervisor: optionsTable(supervisorFields, ['command'], { port: portRangeFields }),
  service: optionsTable(serviceFields),
  system: optionsTable(systemFields, ['services']),
  electron: optionsTable(electronFields, ['trustedOrigins']),
  proxy: optionsTable(proxyFields),
};

const marker = (name: string, end: 'start' | 'end') => `<!-- generated:options:${name}:${end} -->`;
const block = (name: string) => `${marker(name, 'start')}\n${tables[name]}\n${marker(name, 'end')}`;

/** The text with every marked table replaced by the fresh one. */
function fill(text: string): string {
  return text.replace(/<!-- generated:options:([a-z]+):start -->[\s\S]*?<!-- generated:options:\1:end -->/g, (_block, name: string) => {
    if (!(name in tables)) throw new Error(`unknown options table "${name}" (known: ${Object.keys(tables).join(', ')})`);
    return block(name);
  });
}

const docs = join(root, 'docs');
const candidates = ['README.md', ...(existsSync(docs) ? readdirSync(docs, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md')).map((file) => join('docs', file)) : [])];
const outputs = new Map<string, string>();
for (const file of candidates) {
  const text = readFileSync(join(root, file), 'utf8');
  if (text.includes('<!-- generated:options:')) outputs.set(file, fill(text));
}
if (outputs.size === 0) {
  const sections = Object.keys(tables).map((name) => `## ${name}\n\n${block(name)}\n`);
  outputs.set('docs/options.md', `# Options\n\nGenerated from the option schemas (\`npm run options\`); do not edit between the markers.\n\n${sections.join('\n')}`);
}
outputs.set(systemSchemaFile, `${JSON.stringify(systemFileSchema(), null, 2)}\n`);

const stale: string[] = [];
for (const [file, text] of outputs) {
  const path = join(root, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  if (check) {
    stale.push(file);
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${file}`);
}
if (stale.length > 0) {
  console.error(`stale: ${stale.join(', ')} (the option schemas changed): run npm run options`);
  process.exit(1);
}
if (check) console.log(`options tables and ${systemSchemaFile} are fresh`);
