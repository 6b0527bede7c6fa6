import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlatform, platform, processStartTime } from '../../src/process/process-group.js';
import { runCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, markerEnv, supervise, tempDir } from '../helpers/supervisor.js';

/** A supervisor pid that no longer runs, as a crashed supervisor's lock would name. */
async function deadPid(): Promise<number> {
  const gone = spawn('true');
  await new Promise((resolve) => gone.once('exit', resolve));
  return gone.pid as number;
}

/** Writes a lockfile into `stateDir` as another program (or user) might plant it. */
function plantLock(stateDir: string, record: { pid: number; pgid: number; startTime: string; instanceId: string; supervisorPid: number }): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const body = { ...record, supervisorStartTime: 'x', port: 1, platform: platform().name };
  writeFileSync(join(stateDir, `backend.${record.instanceId}.lock.json`), JSON.stringify(body), { mode: 0o600 });
}

function detachedSleep(env: NodeJS.ProcessEnv = process.env) {
  const child = spawn('sleep', ['30'], { stdio: 'ignore', detached: true, env });
  return child;
}

// the strategy loads lazily (the `ps` one with execa); plantLock names it synchronously
beforeAll(() => loadPlatform());

describe('trust in files on disk', () => {
  it('a lock naming an unrelated process of ours (no BACKEND_INSTANCE_ID) does not get it killed', async () => {
    const stranger = detachedSleep();
    try {
      const { supervisor, dir } = supervise('healthy.mjs');
      const pid = stranger.pid as number;
      plantLock(join(dir, 'state'), { pid, pgid: pid, startTime: (await processStartTime(pid)) as string, instanceId: randomUUID(), supervisorPid: await deadPid() });
      await supervisor.start();
      expect(isRunning(pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a lock whose process group is not led by its verified pid signals only that pid, never the other group', async () => {
    const instanceId = randomUUID();
    const victim = detachedSleep();
    const decoy = detachedSleep({ ...process.env, ...markerEnv, BACKEND_INSTANCE_ID: instanceId });
    try {
      const { supervisor, dir } = supervise('healthy.mjs');
      const pid = decoy.pid as number;
      plantLock(join(dir, 'state'), { pid, pgid: victim.pid as number, startTime: (await processStartTime(pid)) as string, instanceId, supervisorPid: await deadPid() });
      await supervisor.start();
      expect(isRunning(victim.pid as number)).toBe(true);
      expect(isRunning(pid)).toBe(false); // it is provably the recorded backend: reaped
    } finally {
      victim.kill('SIGKILL');
      decoy.kill('SIGKILL');
    }
  });

  it('a state dir that others may write to is refused, naming the path and its mode, and nothing starts', async () => {
    const dir = tempDir('open-dir');
    const stateDir = join(dir, 'shared-state');
    mkdirSync(stateDir);
    chmodSync(stateDir, 0o777);
    const { supervisor, statuses } = supervise('healthy.mjs', { stateDir });
    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: `Invalid option "stateDir": ${stateDir} is not safe to use: it is writable by other users (mode 0777); run chmod go-w on it or choose another directory`,
    });
    expect(supervisor.getStatus().status).toBe('error');
    expect(statuses.map((s) => s.phase)).not.toContain('starting.spawning');
  });

  it.skipIf(process.getuid?.() !== 0)('a directory planted by another user is refused, naming its owner (needs root to plant it)', async () => {
    const dir = tempDir('planted');
    chmodSync(dir, 0o755);
    const planted = join(dir, 'backend-lifecycle-0');
    mkdirSync(planted, { mode: 0o700 });
    chownSync(planted, 4242, 4242);
    const { supervisor } = supervise('healthy.mjs', { stateDir: join(planted, 'state') });
    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: `Invalid option "stateDir": ${join(planted, 'state')} is not safe to use: ${planted} belongs to uid 4242 (mode 0700), not to you (uid 0)`,
    });
  });
});

describe('unusable directories surface as an error status, settle every promise, leave nothing running', () => {
  for (const option of ['logDir', 'stateDir'] as const) {
    it(`${option} under a regular file`, async () => {
      const dir = tempDir('under-file');
      writeFileSync(join(dir, 'file'), '');
      const bad = join(dir, 'file', 'sub');
      const { supervisor } = supervise('healthy.mjs', { [option]: bad });
      const failure = await supervisor.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'INVALID_OPTIONS' });
      expect((failure as Error).message).toMatch(new RegExp(`^Invalid option "${option}": ${bad} cannot be used: `));
      expect(supervisor.getStatus()).toMatchObject({ status: 'error', error: { code: 'INVALID_OPTIONS' } });
      await expect(supervisor.stop()).resolves.toMatchObject({ status: 'stopped' });
    });
  }

  it('a log dir in which an entry vanishes between listing and stat (another supervisor pruning) does not wedge a start', async () => {
    const dir = tempDir('prune-race');
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { mode: 0o700 });
    symlinkSync(join(dir, 'gone'), join(logDir, 'backend-2020-01-01T00-00-00-000Z-deadbeef.log'));
    const { supervisor } = supervise('healthy.mjs', { logDir });
    await expect(supervisor.start()).resolves.toMatchObject({ status: 'running' });
  });

  it('the CLI names an unusable --log-dir in one stderr line and exits 1, no stack trace', async () => {
    const dir = tempDir('cli-bad-dir');
    writeFileSync(join(dir, 'file'), '');
    const run = runCli(['--log-dir', join(dir, 'file', 'logs'), '--', process.execPath, fixture('healthy.mjs')], { withDirs: false });
    expect(await run.exit).toBe(1);
    const lines = run.stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend-lifecycle: INVALID_OPTIONS: Invalid option "logDir": .*file\/logs cannot be used: /);
  });
});
