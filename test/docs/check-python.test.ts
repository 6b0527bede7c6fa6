// The Python blocks' checker knows the companion: a snippet that imports a name the companion does
// not have, or calls one of its functions or classes with arguments it does not take, compiles
// and binds every name, and still fails at its first run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const python = process.env.BL_PYTHON ?? 'python3';
const scratch = mkdtempSync(join(tmpdir(), 'docs-python-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function problems(name: string, code: string): Promise<string> {
  const path = join(scratch, `${name}.py`);
  writeFileSync(path, code);
  return run(python, [join(import.meta.dirname, 'check_python_blocks.py'), path]).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
}

describe('check_python_blocks.py', async () => {
  const available = await run(python, ['--version']).then(
    () => true,
    () => false,
  );

  it.skipIf(!available)('passes a snippet that uses the companion as it is', async () => {
    const code = [
      'from backend_lifecycle import Notifier, Settings',
      'from backend_lifecycle.asgi import install, serve',
      'settings = Settings.from_env()',
      'notifier = Notifier(settings.notify_fd)',
      'install(object(), settings, health_path="/health")',
      'serve(object(), settings, notifier, log_level="warning")',
    ].join('\n');
    expect(await problems('good', code)).toBe('');
  });

  it.skipIf(!available)('names an import the companion does not have', async () => {
    expect(await problems('import', 'from backend_lifecycle import Notifer\nNotifer(3)\n')).toMatch(/backend_lifecycle has no "Notifer"/);
    expect(await problems('module', 'from backend_lifecycle.wsgi import serve\nserve(1)\n')).toMatch(/backend_lifecycle.wsgi is not a module of the companion/);
  });

  it.skipIf(!available)('names a call with arguments the function or class does not take', async () => {
    expect(await problems('keyword', 'from backend_lifecycle import Notifier\nNotifier(descriptor=3)\n')).toMatch(/Notifier\(\) takes no argument "descriptor"/);
    expect(await problems('positional', 'from backend_lifecycle.asgi import install\ninstall(1, 2, 3, 4, 5)\n')).toMatch(/install\(\) takes at most 4 positional arguments, given 5/);
    expect(await problems('attribute', 'from backend_lifecycle import Settings\nSettings.from_environment()\n')).toMatch(/Settings has no "from_environment"/);
  });
});
