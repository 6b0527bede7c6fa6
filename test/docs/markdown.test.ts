// The docs tests see a code block wherever a reader's renderer (CommonMark, GitHub, npm) shows one:
// a block the reader sees and the tests do not is a snippet nobody checks.
import { describe, expect, it } from 'vitest';
import { parseCodeBlocks, parseInlineCode, parseLinks } from './markdown.js';

const page = [
  '# Page',
  '',
  '1. Install:',
  '',
  '   ```sh',
  '   npx backend-lifecycle run -- x',
  '   ```',
  '',
  '~~~ts',
  "const a: number = 'tilde';",
  '~~~',
  '',
  '````ts',
  'const b = 1;',
  '```',
  'still inside the four-backtick block',
  '````',
  '',
  '```ts title="main.ts"',
  'const c = 3;',
  '```',
  '',
  '- a list item whose block has a link that is code, not a link:',
  '',
  '  ```text',
  '  [not a link](nowhere.md)',
  '  ```',
  '',
  '[a link](somewhere.md)',
].join('\n');

describe('reading Markdown as a renderer does', () => {
  const blocks = parseCodeBlocks('page.md', page);

  it('finds fenced blocks inside list items, with ~~~, with longer fences and with an info string after the language', () => {
    expect(blocks.map((block) => [block.line, block.lang])).toEqual([
      [5, 'sh'],
      [9, 'ts'],
      [13, 'ts'],
      [19, 'ts'],
      [25, 'text'],
    ]);
  });

  it('keeps the code of a block without the list item indentation, and a shorter fence inside a longer one', () => {
    expect(blocks[0]?.code).toBe('npx backend-lifecycle run -- x\n');
    expect(blocks[2]?.code).toBe('const b = 1;\n```\nstill inside the four-backtick block\n');
  });

  it('takes links from the prose only, never from a block', () => {
    expect(parseLinks(page).map((link) => link.target)).toEqual(['somewhere.md']);
  });

  it('reads an inline code span that goes on over a line break as one span, as a renderer does', () => {
    const text = 'On Windows run `node dist/bundle/cli.js run --\npython server.py`.\n\nA `lone backtick\n\nis not a span` here.\n\n```sh\n`not prose`\n```\n';
    expect(parseInlineCode(text)).toEqual([{ line: 1, code: 'node dist/bundle/cli.js run -- python server.py' }]);
  });
});
