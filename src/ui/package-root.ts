import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root, found from this module whether it runs from src/ or dist/bundle/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'backend-lifecycle') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('backend-lifecycle: cannot find its own package.json');
    dir = parent;
  }
}
