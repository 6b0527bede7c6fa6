/**
 * The first key that appears twice in one object of a JSON text (which must already be valid
 * JSON), with the path of that object: `JSON.parse` keeps the last of two silently, and a system
 * file with two services of one name would lose one without a word.
 *
 * @example
 * firstDuplicateKey('{"services": {"db": {}, "db": {}}}'); // { path: 'services', key: 'db' }
 */
export function firstDuplicateKey(text: string): { path: string; key: string } | undefined {
  const frames: { keys: Set<string> | undefined; path: string; expectKey: boolean; lastKey: string }[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    const frame = frames.at(-1);
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(index, end + 1)) as string;
      if (frame?.keys && frame.expectKey) {
        if (frame.keys.has(value)) return { path: frame.path, key: value };
        frame.keys.add(value);
        frame.lastKey = value;
        frame.expectKey = false;
      }
      index = end;
    } else if (char === '{' || char === '[') {
      const path = frame?.keys ? [frame.path, frame.lastKey].filter(Boolean).join('.') : (frame?.path ?? '');
      frames.push({ keys: char === '{' ? new Set() : undefined, path, expectKey: char === '{', lastKey: '' });
    } else if (char === '}' || char === ']') {
      frames.pop();
    } else if (char === ',' && frame?.keys) {
      frame.expectKey = true;
    }
  }
  return undefined;
}
