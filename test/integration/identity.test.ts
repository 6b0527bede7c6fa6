import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, supervise, tempDir } from '../helpers/supervisor.js';

describe('identity between supervisors', () => {
  it('two supervisors with the same name and state dir in one process keep each other\'s backends alive', async () => {
    const dir = tempDir('same-name');
    const shared = { stateDir: join(dir, 'state'), logDir: join(dir, 'logs') };
    const a = supervise('healthy.mjs', shared);
    const b = supervise('healthy.mjs', shared);
    const first = await a.supervisor.start();
    const second = await b.supervisor.start();
    await sleep(400); // several liveness checks: a killed backend would have been noticed
    expect(a.supervisor.getStatus()).toMatchObject({ status: 'running', pid: first.pid });
    expect(b.supervisor.getStatus()).toMatchObject({ status: 'running', pid: second.pid });
    expect(isRunning(first.pid as number)).toBe(true);
    expect(a.statuses.map((s) => s.status)).not.toContain('stopping');
    // one lockfile per live backend, so neither overwrites the other's
    expect(readdirSync(shared.stateDir).filter((file) => file.endsWith('.lock.json'))).toHaveLength(2);
  });

  it('two CLIs sharing a state dir each leave a lock, so a later launch reaps both of their orphans', async () => {
    const dir = tempDir('two-clis');
    const one = runCli(['--', process.execPath, fixture('healthy.mjs')], { dir });
    const two = runCli(['--', process.execPath, fixture('healthy.mjs')], { dir });
    const [runningOne, runningTwo] = await Promise.all([one.waitFor((s) => s.status === 'running'), two.waitFor((s) => s.status === 'running')]);
    one.child.kill('SIGKILL');
    two.child.kill('SIGKILL');
    await Promise.all([one.exit, two.exit]);
    expect(isRunning(runningOne.pid as number)).toBe(true);
    expect(isRunning(runningTwo.pid as number)).toBe(true);

    const { supervisor } = supervise('healthy.mjs', { stateDir: join(dir, 'state'), logDir: join(dir, 'logs') });
    await supervisor.start();
    expect(isRunning(runningOne.pid as number)).toBe(false);
    expect(isRunning(runningTwo.pid as number)).toBe(false);
  });

  it('the CLI takes --name, which names its log and lock files', async () => {
    const dir = tempDir('cli-name');
    const run = runCli(['--name', 'api-worker', '--', process.execPath, fixture('healthy.mjs')], { dir });
    await run.waitFor((s) => s.status === 'running');
    expect(readdirSync(join(dir, 'logs')).every((file) => file.startsWith('api-worker-'))).toBe(true);
    expect(readdirSync(join(dir, 'state'))).toEqual([expect.stringMatching(/^api-worker\.[0-9a-f-]{36}\.lock\.json$/)]);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('a supervisor named "api" prunes only its own logs, never those of "api-worker"', async () => {
    const dir = tempDir('prune');
    const logDir = join(dir, 'logs');
    const worker = supervise('healthy.mjs', { name: 'api-worker', logDir, stateDir: join(dir, 'state') });
    await worker.supervisor.start();
    const workerLog = worker.supervisor.actor.getSnapshot().context.logFile as string;
    const api = supervise('healthy.mjs', { name: 'api', logDir, stateDir: join(dir, 'state'), restart: { maxRestarts: 0 } });
    for (let launch = 0; launch < 22; launch++) {
      await api.supervisor.start();
      await api.supervisor.stop();
    }
    const files = readdirSync(logDir);
    expect(files).toContain(workerLog.split('/').at(-1));
    expect(files.filter((file) => file.startsWith('api-2'))).toHaveLength(20);
  });
});
