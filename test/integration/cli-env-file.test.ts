import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/supervisor.js';

const exampleBackend = join(import.meta.dirname, '../../examples/python-backend/server.py');

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the CLI tells a terminal how to reach the backend', () => {
  it('prints the base URL on the running line, and --write-env-file keeps a 0600 file with the URL and key (a protected route answers with it) until exit', async () => {
    const dir = tempDir('env-file');
    const file = join(dir, 'backend.env');
    const run = runCli(['--write-env-file', file, '--', 'python3', exampleBackend], { json: false });
    await until(() => run.stdout.some((line) => line.startsWith('● running')) || run.child.exitCode !== null);
    const line = run.stdout.find((each) => each.startsWith('● running')) ?? run.stderr.join('');
    const [, port] = /^● running {3}port (\d+) {2}pid \d+ {2}restarts 0 {2}http:\/\/127\.0\.0\.1:(\d+)$/.exec(line) ?? [];
    expect(line).toMatch(new RegExp(`^● running {3}port ${port} {2}pid \\d+ {2}restarts 0 {2}http://127\\.0\\.0\\.1:${port}$`));

    await until(() => existsSync(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const env = parseEnv(readFileSync(file, 'utf8'));
    expect(Object.keys(env)).toEqual(['BACKEND_URL', 'BACKEND_PORT', 'BACKEND_API_KEY']);
    expect(env).toMatchObject({ BACKEND_URL: `http://127.0.0.1:${port}`, BACKEND_PORT: port });
    const key = env.BACKEND_API_KEY as string;
    expect(key).toMatch(/^[\w-]{43}$/);
    expect((await fetch(`${env.BACKEND_URL}/api/info`)).status).toBe(401);
    const info = await fetch(`${env.BACKEND_URL}/api/info`, { headers: { 'X-API-Key': key } });
    expect(info.status).toBe(200);
    await info.arrayBuffer();

    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect([...run.stdout, ...run.stderr].join('\n')).not.toContain(key);
  });

  it('a CLI that exits removes only the file it wrote: a second CLI on the same path, or a file the user put there since, stays', async () => {
    const dir = tempDir('env-file-two');
    const file = join(dir, 'backend.env');
    const first = runCli(['--write-env-file', file, '--', 'python3', exampleBackend]);
    const firstRunning = await first.waitFor((status) => status.status === 'running');
    await until(() => existsSync(file) && parseEnv(readFileSync(file, 'utf8')).BACKEND_PORT === String(firstRunning.port));
    const second = runCli(['--write-env-file', file, '--', 'python3', exampleBackend]);
    // a failed expectation must not leave the second CLI running
    onTestFinished(() => {
      second.child.kill('SIGINT');
    });
    const secondRunning = await second.waitFor((status) => status.status === 'running');
    await until(() => existsSync(file) && parseEnv(readFileSync(file, 'utf8')).BACKEND_PORT === String(secondRunning.port));

    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
    expect(parseEnv(readFileSync(file, 'utf8')).BACKEND_PORT).toBe(String(secondRunning.port));

    // the user replaces the file with one of their own (a new file, as editors save): not ours to delete either
    unlinkSync(file);
    writeFileSync(file, 'MINE=1\n', { mode: 0o600 });
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('MINE=1\n');
  });

  it.skipIf(process.platform === 'win32')('a file planted where the CLI would write its temporary copy (the name had the CLI pid, which ps shows) does not stop the key file', async () => {
    // a shared folder like /tmp: anyone may create files, nobody may remove or rename another's
    const shared = join(tempDir('env-sticky'), 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const file = join(shared, 'backend.env');
    const run = runCli(['--write-env-file', file, '--', 'python3', exampleBackend]);
    // a failed expectation must not leave the CLI (or its backend) running into the leak check
    onTestFinished(async () => {
      if (run.child.exitCode !== null) return;
      run.child.kill('SIGINT');
      await run.exit;
    });
    // what another user does the moment the CLI shows up in ps, long before its backend is healthy
    const planted = `${file}.${run.child.pid}.tmp`;
    writeFileSync(planted, '');
    if (process.getuid?.() === 0) chownSync(planted, 4242, 4242);
    const running = await run.waitFor((status) => status.status === 'running');
    await until(() => existsSync(file) || run.stderr.length > 0);
    expect(run.stderr.join('')).toBe('');
    expect(parseEnv(readFileSync(file, 'utf8')).BACKEND_PORT).toBe(String(running.port));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(planted, 'utf8')).toBe('');
  });

  const refused: [string, (dir: string) => string, string][] = [
    [
      'a symbolic link planted at the path',
      (dir) => {
        symlinkSync(join(dir, 'elsewhere'), join(dir, 'backend.env'));
        return join(dir, 'backend.env');
      },
      'it is a symbolic link (a key must not be written where a link points)',
    ],
    [
      'a file of another user',
      (dir) => {
        writeFileSync(join(dir, 'backend.env'), '');
        chownSync(join(dir, 'backend.env'), 4242, 4242);
        return join(dir, 'backend.env');
      },
      'it belongs to another user (uid 4242)',
    ],
    [
      'a directory anyone may write to (no sticky bit)',
      (dir) => {
        mkdirSync(join(dir, 'open'));
        chmodSync(join(dir, 'open'), 0o777);
        return join(dir, 'open', 'backend.env');
      },
      'its directory is writable by other users',
    ],
    ['a directory that does not exist', (dir) => join(dir, 'missing', 'backend.env'), 'no such directory (ENOENT)'],
  ];
  for (const [what, plant, why] of refused) {
    it.skipIf(process.platform === 'win32' || (what.includes('another user') && process.getuid?.() !== 0))(
      `refuses ${what}: exit 2 naming the path and why, and nothing is started`,
      async () => {
        const path = plant(tempDir('env-refused'));
        const run = runCli(['--write-env-file', path, '--', process.execPath, '-e', 'setInterval(() => {}, 1000)']);
        expect(await run.exit).toBe(2);
        expect(run.stderr.join('')).toBe(`backend-lifecycle: refusing --write-env-file ${path}: ${why}\n`);
        expect(run.statuses).toEqual([]);
      },
    );
  }
});
