// Compiles every `ts`/`tsx` block of the docs with tsc --noEmit, each block a module of its own in a
// folder inside the repository, so `backend-lifecycle` resolves to the package's own built types
// (package.json `exports`, as an app gets them) and `electron`, `react`, `@statelyai/inspect` to
// their installed types. A block that declares an interface the package exports must match it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CodeBlock, root } from './markdown.js';

const run = promisify(execFile);

function fileName(block: CodeBlock): string {
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}.${block.lang}`;
}

/** Assertions that a block's `interface X` is the package's own `X`, both ways. */
function sameAsPackage(code: string): string {
  const declared = [...code.matchAll(/^interface (\w+)/gm)].map((match) => match[1] as string);
  return declared
    .map(
      (name) =>
        `import type { ${name} as Package${name} } from 'backend-lifecycle';\n` +
        `export const ${name}MatchesThePackage: [${name}] extends [Package${name}] ? ([Package${name}] extends [${name}] ? true : false) : false = true;\n`,
    )
    .join('');
}

/** Compiler messages about the blocks, each naming the Markdown file and line (empty when none). */
export async function typeScriptProblems(blocks: CodeBlock[]): Promise<string[]> {
  if (!existsSync(join(root, 'dist/src/index.d.ts'))) return ['dist/src/index.d.ts is missing: run "npm run build" first (npm test does)'];
  const folder = mkdtempSync(join(root, '.docs-snippets-'));
  try {
    const files = new Map<string, CodeBlock>();
    for (const block of blocks) {
      const name = fileName(block);
      files.set(name, block);
      // `export {}` keeps each block a module of its own: no names shared between snippets
      writeFileSync(join(folder, name), `${block.code}${sameAsPackage(block.code)}export {};\n`);
    }
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        // a page's world and Node's: snippets of the main process, the preload and the renderer, with
        // the libs of a usual renderer project (Vite's templates); a snippet that needs more says so itself
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        types: ['node'],
        jsx: 'react-jsx',
      },
      files: [...files.keys()],
    };
    writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify(config));
    try {
      await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(folder, 'tsconfig.json')], { cwd: folder, maxBuffer: 16 * 1024 * 1024 });
      return [];
    } catch (error) {
      const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      const problems = output
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith(' '))
        .map((line) => {
          const at = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
          const block = at ? files.get(at[1] as string) : undefined;
          // the opening fence is the block's line 0: its code starts one line below
          return block && at ? `${block.file}:${block.line + Number(at[2])}:${at[3]}: ${at[4]}` : line;
        });
      return problems.length > 0 ? problems : [String(error)];
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
