// Every link between README.md, docs/ and python/README.md leads somewhere: the file exists, and
// an #anchor is one of the target's headings (as GitHub renders them).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationFiles, links, root, slug } from './markdown.js';

// written on another branch (issue #23 item 5): checked like any page once it exists
const writtenElsewhere = new Set(['docs/architecture.md']);

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };

/** Whether package.json's `files` puts this repository path in the npm tarball (a folder, a file or a `*` glob). */
function shipped(path: string): boolean {
  if (['package.json', 'README.md', 'LICENSE'].includes(path)) return true;
  return manifest.files.some((entry) => {
    const pattern = new RegExp(`^${entry.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return pattern.test(path);
  });
}

/** Relative links of a shipped page whose target the tarball leaves out: dead in node_modules. */
function unshippedTargets(file: string): string[] {
  return links(file)
    .filter(({ target }) => !/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith('#'))
    .map(({ line, target }) => ({ line, target, path: normalize(relative(root, join(root, dirname(file), decodeURI(target.split('#')[0] as string)))) }))
    .filter(({ path }) => !shipped(path))
    .map(({ line, target, path }) => `${file}:${line} → ${target}: ${path} is not in the npm package (package.json "files")`);
}

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
    expect(links('README.md').some(({ target }) => target.startsWith('docs/'))).toBe(true);
    expect(manifest.files).toContain('docs');
  });

  it('python/README.md, also the PyPI description (pyproject readme), links nothing relative: PyPI has no files beside it', () => {
    expect(readFileSync(join(root, 'python/pyproject.toml'), 'utf8')).toMatch(/^readme = "README.md"$/m);
    expect(links('python/README.md').filter(({ target }) => !/^[a-z][a-z+.-]*:/i.test(target))).toEqual([]);
  });

  it('every relative link of a page the npm package ships leads to a file it ships (the docs are read in node_modules too)', () => {
    const pages = documentationFiles().filter(shipped);
    expect(pages.length).toBe(documentationFiles().length);
    expect(pages.flatMap(unshippedTargets)).toEqual([]);
    expect(shipped('python/backend_lifecycle/asgi.py') && !shipped('python/tests/test_asgi.py') && !shipped('bench/run.ts')).toBe(true);
  });
});
