// Every code block in README.md, docs/ and python/README.md is checked by what would run it:
// TypeScript by tsc against the package's types, `sh` by bash and the CLI's own argument parser
// (and so is a command the prose quotes inline, `npx backend-lifecycle run …`, `npm run …`),
// Python by py_compile (and no undefined name), system files by the system-file reader, diagrams
// against the machines. A block that is not code to run (recorded output) says why in a
// `<!-- check: skip REASON -->` comment before it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnyStateMachine } from 'xstate';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { backendLifecycleMachine, backendSystemMachine } from '../../machines/index.js';
import { renderMermaid } from '../../scripts/render-mermaid.js';
import { usage } from '../../src/cli/parse-args.js';
import { loadSystemFile } from '../../src/cli/system-config.js';
import { createBackendSystem } from '../../src/index.js';
import { shellProblems } from './check-shell.js';
import { typeScriptProblems } from './check-typescript.js';
import { type CodeBlock, codeBlocks, documentationFiles, inlineCode, root } from './markdown.js';

const run = promisify(execFile);
const blocks = documentationFiles().flatMap(codeBlocks);
const of = (...langs: string[]) => blocks.filter((block) => langs.includes(block.lang) && !block.directive?.startsWith('skip'));
const at = (block: CodeBlock) => `${block.file}:${block.line}`;
const scratch = mkdtempSync(join(tmpdir(), 'docs-blocks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const checkedLanguages = ['ts', 'tsx', 'sh', 'python', 'json', 'yaml', 'mermaid'];
const diagrams: Record<string, AnyStateMachine> = { 'backend-lifecycle': backendLifecycleMachine, 'backend-system': backendSystemMachine };
// a command the prose quotes to be copied (`node dist/bundle/cli.js run --write-env-file …`), not a
// bare name of the CLI or of one of its verbs
const quotedCommand = /^(npx backend-lifecycle|backend-lifecycle|node dist\/bundle\/cli\.js|npm (run|start|test))( |$)/;
const bareName = /^(npx backend-lifecycle|backend-lifecycle|node dist\/bundle\/cli\.js)( (run|up))?$/;
const flags = (text: string) => new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]));

describe('code blocks in the README and docs/', () => {
  it('every block is checked below, or says in a comment why it is not', () => {
    const unchecked = blocks.filter((block) => {
      if (block.directive?.startsWith('skip')) return block.directive.split(/\s+/).length < 4; // "skip" and a reason of some words
      if (block.directive?.startsWith('cli-usage')) return false;
      return !checkedLanguages.includes(block.lang);
    });
    expect(unchecked.map((block) => `${at(block)}: \`\`\`${block.lang || '(no language)'} needs a checked language or <!-- check: skip REASON -->`)).toEqual([]);
    const skipped = blocks.filter((block) => block.directive?.startsWith('skip'));
    console.info(`docs: ${blocks.length} code blocks, ${skipped.length} not run: ${skipped.map((block) => `${at(block)} (${block.directive})`).join('; ')}`);
    expect(skipped.length).toBeLessThanOrEqual(5); // exceptions stay rare
  });

  it('TypeScript blocks type-check against the package as an app imports it', { timeout: 180_000 }, async () => {
    expect(await typeScriptProblems(of('ts', 'tsx'))).toEqual([]);
  });

  it('sh blocks parse, and their backend-lifecycle and npm commands are ones the CLI and package.json accept', { timeout: 60_000 }, async () => {
    const problems = (await Promise.all(of('sh').map(shellProblems))).flat();
    expect(problems).toEqual([]);
  });

  it('commands quoted inline in the prose are ones the CLI and package.json accept', { timeout: 60_000 }, async () => {
    const quoted = documentationFiles().flatMap((file) =>
      inlineCode(file)
        .filter(({ code }) => quotedCommand.test(code) && !bareName.test(code))
        // `up --timings` names a flag of up: checked with a system file as up needs one
        .map(({ line, code }): CodeBlock => ({ file, line, lang: 'sh', code: `${/ up( --[a-z-]+)*$/.test(code) ? `${code} system.yaml` : code}\n`, previous: '' })),
    );
    expect(quoted.length).toBeGreaterThan(0);
    expect((await Promise.all(quoted.map(shellProblems))).flat()).toEqual([]);
  });

  it('the CLI synopsis names exactly the flags the CLI takes', () => {
    const synopses = blocks.filter((block) => block.directive?.startsWith('cli-usage'));
    expect(synopses.length).toBeGreaterThan(0);
    const taken = flags(usage);
    taken.delete('--help');
    for (const block of synopses) {
      const shown = flags(block.code);
      expect([...shown].filter((flag) => !taken.has(flag)), `${at(block)}: flags the CLI does not take`).toEqual([]);
      expect([...taken].filter((flag) => !shown.has(flag)), `${at(block)}: flags the synopsis leaves out`).toEqual([]);
    }
  });

  it('Python blocks compile, use no undefined name, and use the companion as it is', { timeout: 60_000 }, async (context) => {
    const python = process.env.BL_PYTHON ?? 'python3';
    try {
      await run(python, ['--version']);
    } catch {
      const line = `docs: SKIPPED the Python blocks: no interpreter "${python}" (install: apt-get install -y python3; or set BL_PYTHON)`;
      console.warn(line);
      if (process.env.BL_REQUIRE_ALL === '1') throw new Error(line);
      context.skip();
    }
    const files = of('python').map((block, index) => {
      const path = join(scratch, `block${index}_${block.file.replace(/\W+/g, '_')}_L${block.line}.py`);
      writeFileSync(path, block.code);
      return path;
    });
    expect(files.length).toBeGreaterThan(0);
    const checked = await run(python, [join(import.meta.dirname, 'check_python_blocks.py'), ...files]).then(
      () => '',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(checked).toBe('');
  });

  it('every extra of the companion the docs install (`pip install …/python[asgi]`) is one its pyproject.toml declares', () => {
    const declared = /\[project\.optional-dependencies\]\n([\s\S]*?)(\n\[|$)/.exec(readFileSync(join(root, 'python/pyproject.toml'), 'utf8'))?.[1] ?? '';
    const extras = new Set([...declared.matchAll(/^(\w[\w-]*)\s*=/gm)].map((match) => match[1]));
    const named = documentationFiles().flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/python\[([\w,-]+)\]/g)].flatMap((match) => (match[1] as string).split(',').map((extra) => `${file}: [${extra}]`)),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => !extras.has(/\[(.*)\]$/.exec(entry)?.[1] ?? ''))).toEqual([]);
  });

  it('JSON and YAML blocks parse; a system file is read and created as up does', async () => {
    for (const [index, block] of of('json', 'yaml').entries()) {
      const value: unknown = block.lang === 'json' ? JSON.parse(block.code) : parseYaml(block.code);
      if (typeof value === 'object' && value !== null && 'services' in value) {
        const path = join(scratch, `system${index}.${block.lang}`);
        writeFileSync(path, block.code);
        // read as `up` reads it, then created as `up` creates it: an option the system refuses (`dependOn`) fails here too
        const options = await loadSystemFile(path);
        expect(() => createBackendSystem(options), at(block)).not.toThrow();
      }
    }
  });

  it('diagrams are the machines as they are now', () => {
    const mermaid = blocks.filter((block) => block.lang === 'mermaid');
    expect(mermaid.length).toBe(Object.keys(diagrams).length);
    for (const block of mermaid) {
      const name = /^<!-- diagram:([\w-]+):start -->$/.exec(block.previous)?.[1] ?? '';
      expect(diagrams[name], `${at(block)}: a diagram between <!-- diagram:NAME:start/end --> markers`).toBeDefined();
      expect(block.code, `${at(block)} is stale: run npm run visualize`).toBe(renderMermaid(diagrams[name] as AnyStateMachine));
    }
  });

  it('the README stays short', () => {
    expect(codeBlocks('README.md').length).toBeGreaterThan(0);
    const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(300);
  });
});
