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
  return parseCodeBlocks(file, readFileSync(join(root, file), 'utf8'));
}

/** A fenced block's place in the text: its fence lines (0-based; `end` is lines.length when unclosed). */
interface Fence {
  start: number;
  end: number;
  lang: string;
  indent: number;
}

// As CommonMark reads fences: ``` or ~~~ (three or more), indented (inside a list item too), the
// language the info string's first word, closed by the same character at least as many times
function fences(lines: string[]): Fence[] {
  const found: Fence[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(lines[index] as string);
    if (!open) continue;
    const [, indent = '', marker = '', info = ''] = open;
    if (marker.startsWith('`') && info.includes('`')) continue; // an inline code span, not a fence
    const closing = new RegExp(`^ *${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    const start = index;
    for (index++; index < lines.length && !closing.test(lines[index] as string); index++);
    found.push({ start, end: index, lang: info.trim().split(/\s+/)[0] ?? '', indent: indent.length });
  }
  return found;
}

export function parseCodeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  return fences(lines).map(({ start, end, lang, indent }) => {
    // a block inside a list item is indented with it: its code is not
    const body = lines.slice(start + 1, end).map((line) => line.replace(new RegExp(`^ {0,${indent}}`), ''));
    let before = start - 1;
    while (before >= 0 && (lines[before] as string).trim() === '') before--;
    const previous = (lines[before] ?? '').trim();
    const directive = /^<!-- check: (.*?) -->$/.exec(previous)?.[1];
    const block: CodeBlock = { file, line: start + 1, lang, code: `${body.join('\n')}\n`, previous };
    if (directive !== undefined) block.directive = directive;
    return block;
  });
}

/** The text outside fenced code blocks, with the lines of blocks blanked (line numbers stay right). */
export function prose(file: string): string[] {
  return proseOf(readFileSync(join(root, file), 'utf8'));
}

function proseOf(text: string): string[] {
  const lines = text.split('\n');
  for (const { start, end } of fences(lines)) lines.fill('', start, Math.min(end + 1, lines.length));
  return lines;
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

/** The inline code spans of the prose (outside fenced blocks), with their first line; a span may
 * go on over a line break, as in a renderer (the break reads as a space), never over a blank line. */
export function inlineCode(file: string): { line: number; code: string }[] {
  return parseInlineCode(readFileSync(join(root, file), 'utf8'));
}

export function parseInlineCode(markdown: string): { line: number; code: string }[] {
  const text = proseOf(markdown).join('\n');
  return [...text.matchAll(/`((?:[^`\n]|\n(?![ \t]*\n))+)`/g)].map((match) => ({
    line: text.slice(0, match.index).split('\n').length,
    code: (match[1] as string).replace(/\s*\n\s*/g, ' '),
  }));
}

/** Links and images outside code (fenced blocks and inline code spans), with their line. */
export function links(file: string): { line: number; target: string }[] {
  return parseLinks(readFileSync(join(root, file), 'utf8'));
}

export function parseLinks(text: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = [];
  proseOf(text).forEach((text, index) => {
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push({ line: index + 1, target: match[1] as string });
  });
  return found;
}
