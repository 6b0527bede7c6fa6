// Checks the `sh` blocks of the docs: the whole block parses as bash, our own CLI's command lines
// are parsed by the CLI's real argument parser (and a system file it names is read by the real
// system-file reader), and `npm run X` names a script package.json has.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine } from '../../src/cli/parse-args.js';
import { loadSystemFile } from '../../src/cli/system-config.js';
import { createBackendSystem } from '../../src/index.js';
import { type CodeBlock, root } from './markdown.js';

const run = promisify(execFile);
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Splits a line into shell words (quotes honoured, `#` starts a comment) and control operators. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (char === "'" || char === '"') {
      const end = line.indexOf(char, index + 1);
      word = (word ?? '') + line.slice(index + 1, end === -1 ? undefined : end);
      index = end === -1 ? line.length : end;
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === '#' && word === undefined) {
      break;
    } else if ((char === '&' || char === '|') && line[index + 1] === char) {
      if (word !== undefined) words.push(word);
      words.push(char + char);
      word = undefined;
      index++;
    } else if (char === ';' || char === '|') {
      if (word !== undefined) words.push(word);
      words.push(char);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The simple commands of a block: continuation lines joined, split at `&&`, `||`, `;` and `|`. */
function commands(code: string): string[][] {
  const result: string[][] = [];
  for (const line of code.replace(/\\\n/g, ' ').split('\n')) {
    let current: string[] = [];
    for (const word of shellWords(line)) {
      if (['&&', '||', ';', '|'].includes(word)) {
        result.push(current);
        current = [];
      } else current.push(word);
    }
    result.push(current);
  }
  return result.filter((command) => command.length > 0);
}

/** The CLI's arguments when `command` runs backend-lifecycle, however a reader would call it, else undefined. */
function cliArguments(command: string[]): string[] | undefined {
  const [first, second] = command;
  if (first === 'npx') {
    // npx's own flags (-y, --yes, --no-install…) come before the package
    const at = command.findIndex((word, index) => index > 0 && !word.startsWith('-'));
    return command[at] === 'backend-lifecycle' ? command.slice(at + 1) : undefined;
  }
  if (first === 'npm' && (second === 'exec' || second === 'x') && command[2] === 'backend-lifecycle') {
    // npm exec passes what follows its own `--`
    return command[3] === '--' ? command.slice(4) : command.slice(3);
  }
  if (first !== undefined && /(^|\/)backend-lifecycle$/.test(first)) return command.slice(1); // bin, ./node_modules/.bin/…
  if (first === 'node' && second !== undefined && /(^|\/)dist\/bundle\/cli\.js$/.test(second)) return command.slice(2);
  return undefined;
}

/** What is wrong with one `sh` block (empty when nothing). */
export async function shellProblems(block: CodeBlock): Promise<string[]> {
  const where = `${block.file}:${block.line}`;
  const problems: string[] = [];
  try {
    await run('bash', ['-n', '-c', block.code]);
  } catch (error) {
    problems.push(`${where}: bash cannot parse it: ${(error as { stderr?: string }).stderr?.trim()}`);
  }
  if (/^\s*\$ /m.test(block.code)) problems.push(`${where}: a "$ " prompt in a sh block: a reader pastes it with the command (write the command alone)`);
  for (const command of commands(block.code)) {
    const text = command.join(' ');
    const [first, second, third] = command;
    if (first === 'npm' && (second === 'start' || second === 'test') && scripts[second] === undefined) problems.push(`${where}: package.json has no "${second}" script (${text})`);
    if (first === 'npm' && second === 'run' && (third === undefined || scripts[third] === undefined)) problems.push(`${where}: package.json has no script "${third}" (${text})`);
    const argv = cliArguments(command);
    if (argv === undefined) continue;
    try {
      const parsed = parseCommandLine(argv);
      if (parsed?.verb === 'up' && !/^[./]*system\.(yaml|yml|json)$/.test(parsed.file)) {
        // a file the docs ship (examples/…) must exist and be a valid system; a user's own name cannot be read here
        if (!existsSync(join(root, parsed.file))) throw new Error(`the system file ${parsed.file} does not exist in the repository`);
        createBackendSystem(await loadSystemFile(join(root, parsed.file)));
      }
    } catch (error) {
      problems.push(`${where}: backend-lifecycle refuses "${text}": ${(error as Error).message}`);
    }
  }
  return problems;
}
