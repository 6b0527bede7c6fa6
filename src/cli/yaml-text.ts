import type { CST, Document } from 'yaml';

// loaded on first use: importing yaml costs tens of milliseconds that `run` must not pay
type Yaml = typeof import('yaml');

/** Where in a text something is: 1-based line and column. */
export interface TextPosition {
  line: number;
  column: number;
}

/** A YAML (or JSON) text that cannot be used, with where and why. */
export class YamlTextError extends Error {
  constructor(
    readonly position: TextPosition | undefined,
    readonly reason: string,
  ) {
    super(reason);
  }
}

// the lexer's markers of a document, a scalar and a flow end take no room in the text
const markers = new Set(['\x02', '\x18', '\x1f']);

/**
 * The offset where the text may nest deeper than `limit`, from one pass of the lexer that stops
 * there: an upper bound (indentation levels, plus block indicators on the line, plus open flow
 * brackets), so a shallow text is never refused and a deep one costs only its first levels. The
 * parser itself slows down with depth (seconds for a 1 MiB text of brackets).
 */
function mayNestDeeperThan({ Lexer }: Yaml, text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let offset = 0;
  let flow = 0;
  let lineStart = true;
  let onLine = 0;
  for (const token of new Lexer().lex(text)) {
    const at = offset;
    if (!markers.has(token)) offset += token.length;
    if (token === '\n' || token === '\r\n') {
      lineStart = true;
      onLine = 0;
      continue;
    }
    if (lineStart && flow === 0) {
      lineStart = false;
      const indent = /^ +$/.test(token) ? token.length : 0;
      while (indents.length > 0 && (indents.at(-1) as number) > indent) indents.pop();
      if (indents.length === 0 || (indents.at(-1) as number) < indent) indents.push(indent);
    }
    if (token === '[' || token === '{') flow++;
    else if ((token === ']' || token === '}') && flow > 0) flow--;
    else if (flow === 0 && (token === '-' || token === '?' || token === ':')) onLine++;
    if (indents.length + onLine + flow > limit) return at;
  }
  return undefined;
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

type Nested = { token: CST.Token | undefined; depth: number };

// Walked with an explicit stack: the parser's tree is as deep as the text nests, and recursion would overflow.
function deepestPoint(tokens: CST.Token[], limit: number): number | undefined {
  const stack: Nested[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as Nested;
    if (!token) continue;
    if (depth > limit) return token.offset;
    if (token.type === 'document') stack.push({ token: token.value, depth });
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item) stack.push({ token: item.key ?? undefined, depth: depth + 1 });
        stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

// The mapping's path and the key whose text starts at `offset` (yaml names only the position of a duplicate).
function duplicateAt({ isMap, isScalar, isSeq }: Yaml, document: Document, offset: number): { path: string; key: string } {
  const stack: { node: unknown; path: string[] }[] = [{ node: document.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: string[] };
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value ?? '') : '?';
        if (isScalar(pair.key) && pair.key.range?.[0] === offset) return { path: path.join('.'), key };
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) stack.push({ node: item, path: [...path, String(index)] });
    }
  }
  return { path: '?', key: '?' };
}

// The name a key becomes in a JavaScript object: 1 and "1", true and "true", ~ and "" are one name,
// and yaml's own check (equal values) would let the second silently replace the first.
function propertyName({ isScalar }: Yaml, key: unknown): string {
  if (!isScalar(key)) return String(key);
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

/**
 * The value of a YAML 1.2 text (JSON is YAML 1.2), read so that no text can exhaust the reader:
 * nesting deeper than `maxDepth` is refused before anything is built, aliases may expand to at
 * most `maxAliasCount` nodes, and two equal keys in one mapping are an error that names the
 * mapping's path and the key. Errors carry the line and column.
 *
 * @example
 * await readYaml('services:\n  db:\n    command: redis-server\n'); // { services: { db: { command: 'redis-server' } } }
 */
export async function readYaml(text: string, { maxDepth = 64, maxAliasCount = 100 } = {}): Promise<unknown> {
  const yaml = await import('yaml');
  const { Composer, Parser } = yaml;
  const deep = mayNestDeeperThan(yaml, text, maxDepth) ?? deepestPoint(Array.from(new Parser().parse(text)), maxDepth);
  if (deep !== undefined) throw new YamlTextError(positionOf(text, deep), `nested deeper than ${maxDepth} levels`);
  const documents = Array.from(new Composer({ uniqueKeys: (a, b) => propertyName(yaml, a) === propertyName(yaml, b), prettyErrors: false }).compose(new Parser().parse(text)));
  if (documents.length !== 1) throw new YamlTextError(undefined, documents.length === 0 ? 'it is empty' : `it holds ${documents.length} documents; a system file holds one`);
  const [document] = documents as [Document];
  const [error] = document.errors;
  if (error) {
    if (error.code === 'DUPLICATE_KEY') {
      const { path, key } = duplicateAt(yaml, document, error.pos[0]);
      throw new YamlTextError(positionOf(text, error.pos[0]), path === 'services' ? `two services are named "${key}"` : `"${path || '(top level)'}" has two keys named "${key}"`);
    }
    throw new YamlTextError(positionOf(text, error.pos[0]), error.message.split('\n')[0] ?? error.code);
  }
  try {
    return document.toJS({ maxAliasCount });
  } catch (cause) {
    throw new YamlTextError(undefined, `its aliases expand too far (${(cause as Error).message})`);
  }
}
