// The sh check knows the CLI however a reader would call it: a command written another usual way
// must not slip past the CLI's parser, and a block a reader cannot paste (a `$ ` prompt) is refused.
import { describe, expect, it } from 'vitest';
import { shellProblems } from './check-shell.js';

const check = (code: string) => shellProblems({ file: 'page.md', line: 1, lang: 'sh', code: `${code}\n`, previous: '' });

describe('shellProblems', () => {
  it('passes a command the CLI takes', async () => {
    expect(await check('npx backend-lifecycle run --json -- python3 server.py')).toEqual([]);
  });

  it.each([
    'npx backend-lifecycle run --bogus -- x',
    'npx -y backend-lifecycle run --bogus -- x',
    'npx --yes backend-lifecycle run --bogus -- x',
    'npm exec backend-lifecycle -- run --bogus -- x',
    './node_modules/.bin/backend-lifecycle run --bogus -- x',
    'node node_modules/backend-lifecycle/dist/bundle/cli.js run --bogus -- x',
    'cd app && npx backend-lifecycle run --bogus -- x',
  ])('refuses a flag the CLI does not take in: %s', async (command) => {
    expect(await check(command)).toEqual([expect.stringContaining("Unknown option '--bogus'")]);
  });

  it('refuses a prompt, which a reader would paste with the command', async () => {
    expect(await check('$ npx backend-lifecycle run -- python3 server.py')).toEqual([expect.stringContaining('a "$ " prompt')]);
  });
});
