// Every link between README.md, docs/ and python/README.md leads somewhere: the file exists, and
// an #anchor is one of the target's headings (as GitHub renders them).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationFiles, links, root, slug } from './markdown.js';

// written on another branch (issue #23 item 5): checked like any page once it exists
const writtenElsewhere = new Set(['docs/architecture.md']);

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { line, target } of links(file)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto: …: not ours to check offline
    const [path = '', anchor] = target.split('#');
    const resolved = path === '' ? file : normalize(relative(root, join(root, dirname(file), decodeURI(path))));
    const where = `${file}:${line} → ${target}`;
    if (!existsSync(join(root, resolved))) {
      if (writtenElsewhere.has(resolved) && anchor === undefined) continue;
      broken.push(`${where}: ${resolved} does not exist`);
    } else if (anchor !== undefined && !anchors(resolved).has(anchor)) {
      broken.push(`${where}: ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
  return broken;
}

describe('links between the README and docs/', () => {
  it.each(documentationFiles())('%s: every relative link and #anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('anchors are the ones GitHub makes of headings', () => {
    expect(slug('Shipping: the backend in a packaged app, one identity per app, typed `window.backend`')).toBe(
      'shipping-the-backend-in-a-packaged-app-one-identity-per-app-typed-windowbackend',
    );
    expect(slug('Electron + FastAPI')).toBe('electron--fastapi');
    expect(slug("The backend's side")).toBe('the-backends-side');
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(links('README.md').map(({ target }) => target.split('#')[0]));
    const pages = documentationFiles().filter((file) => file.startsWith('docs/'));
    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
  });

  it('the npm package ships docs/, which the README links (read on the npm page, or in node_modules)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(links('README.md').some(({ target }) => target.startsWith('docs/'))).toBe(true);
    expect(manifest.files).toContain('docs');
  });
});
