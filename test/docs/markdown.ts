// Reads the project's Markdown the way a reader's renderer does: fenced code blocks, headings and
// their GitHub anchors, links outside code. Shared by the docs tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

/** README.md, every page of docs/ and the Python companion's README: what readers are sent to. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs, 'python/README.md'];
}

/** One fenced code block: where it starts (1-based line of the opening fence), its language and text. */
export interface CodeBlock {
  file: string;
  line: number;
  lang: string;
  code: string;
  /** The `<!-- check: ... -->` comment right before the block (blank lines between allowed), if any. */
  directive?: string;
  /** The last line before the block that is not blank (e.g. a `<!-- diagram:NAME:start -->` marker). */
  previous: string;
}

export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[index] as string);
    if (!open) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index] as string); index++) body.push(lines[index] as string);
    let before = start - 1;
    while (before >= 0 && (lines[before] as string).trim() === '') before--;
    const previous = (lines[before] ?? '').trim();
    const directive = /^<!-- check: (.*?) -->$/.exec(previous)?.[1];
    const block: CodeBlock = { file, line: start + 1, lang: open[1] ?? '', code: `${body.join('\n')}\n`, previous };
    if (directive !== undefined) block.directive = directive;
    blocks.push(block);
  }
  return blocks;
}

/** The text outside fenced code blocks, with the lines of blocks blanked (line numbers stay right). */
export function prose(file: string): string[] {
  let inside = false;
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .map((line) => {
      if (/^```/.test(line)) {
        inside = !inside;
        return '';
      }
      return inside ? '' : line;
    });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a file offers: its headings (GitHub numbers repeated ones -1, -2…). */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(file)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Links and images outside code (fenced blocks and inline code spans), with their line. */
export function links(file: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = [];
  prose(file).forEach((text, index) => {
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push({ line: index + 1, target: match[1] as string });
  });
  return found;
}
