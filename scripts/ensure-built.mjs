// Runs before `npm start`: builds dist/ when it is missing or older than a source file, since
// installs run no script (the published package is built by prepack) and a fresh clone has no dist/.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const built = join(root, 'dist', 'bundle', 'cli.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const sources = Math.max(...['src', 'machines', 'ui'].map((dir) => newestSource(join(root, dir))));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.error('backend-lifecycle: building dist/ first (npm run build)');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}
