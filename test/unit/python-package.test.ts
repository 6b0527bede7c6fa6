import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the Python companion as a package of its own', () => {
  it('has the version of the npm package, in pyproject.toml and in backend_lifecycle.__version__', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string };
    expect(/^version = "([^"]+)"$/m.exec(read('python/pyproject.toml'))?.[1]).toBe(version);
    expect(/^__version__ = "([^"]+)"$/m.exec(read('python/backend_lifecycle/__init__.py'))?.[1]).toBe(version);
  });

  it('ships in the npm tarball (pip install node_modules/backend-lifecycle/python), and installs run no script', () => {
    const manifest = JSON.parse(read('package.json')) as { files: string[]; scripts: Record<string, string> };
    expect(manifest.files).toEqual(expect.arrayContaining(['python/backend_lifecycle/*.py', 'python/pyproject.toml', 'python/README.md']));
    expect(read('python/pyproject.toml')).toMatch(/^readme = "README\.md"$/m);
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts).not.toHaveProperty(hook);
    expect(manifest.scripts.prepack).toBe('npm run build');
  });
});
