import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatform, processStartTime } from '../../src/process/process-group.js';
import { runCli } from '../helpers/cli.js';
import { isRunning, processesWithEnv, processTable } from '../helpers/leaks.js';
import { fixture, markerEnv, supervise, tempDir, testMarker } from '../helpers/supervisor.js';

/** Runs the CLI in its own process (state and logs under `dir`) until its backend runs. */
async function runCliUntilRunning(dir: string, extra: string[] = []): Promise<{ cli: ChildProcess; backendPid: number }> {
  const run = runCli([...extra, '--', process.execPath, fixture('healthy.mjs')], { dir });
  const running = await run.waitFor((status) => status.status === 'running');
  return { cli: run.child, backendPid: running.pid as number };
}

/** Live guard processes watching the backend whose group is `pgid` (found by their command line). */
function guardsOf(pgid: number): number[] {
  return processTable()
    .filter((row) => !row.zombie && row.args.includes('backend-lifecycle-guard') && row.args.includes(String(pgid)))
    .map((row) => row.pid);
}

describe('orphans of a crashed supervisor', () => {
  it('the next launch reaps the backend that a SIGKILLed supervisor left behind', async () => {
    const dir = tempDir('orphan');
    const stateDir = join(dir, 'state');
    const { cli: first, backendPid } = await runCliUntilRunning(dir);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(isRunning(backendPid)).toBe(true); // orphaned: nothing stopped it

    const { supervisor, phases } = supervise('healthy.mjs', { stateDir });
    const running = await supervisor.start();
    expect(isRunning(backendPid)).toBe(false);
    expect(running.pid).not.toBe(backendPid);
    expect(phases()).toContain('starting.reapingOrphans');
  });

  it('with --guard, a SIGKILLed supervisor\'s backend is stopped at once by its guard, without waiting for a next launch', async () => {
    const dir = tempDir('guard');
    const { cli: first, backendPid } = await runCliUntilRunning(dir, ['--guard', '--grace-ms', '300']);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // the backend, and then the guard itself, must be gone without anyone starting the supervisor again
    const deadline = Date.now() + 5_000;
    while (processesWithEnv('BL_TEST_MARKER', testMarker).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(backendPid)).toBe(false);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });

  it('the guard lives as long as its backend and is dismissed by a normal stop', async () => {
    const { supervisor } = supervise('healthy.mjs', { guard: true });
    const running = await supervisor.start();
    const guards = () => guardsOf(running.pid as number);
    expect(guards()).toHaveLength(1);
    await supervisor.stop();
    const deadline = Date.now() + 2_000;
    while (guards().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(guards()).toEqual([]);
  });

  it('a recorded pid that now belongs to another process (recycled) is left alone', async () => {
    const stranger = spawn('sleep', ['30'], { env: { ...process.env, ...markerEnv }, stdio: 'ignore' });
    try {
      const { supervisor, dir } = supervise('healthy.mjs');
      const instanceId = randomUUID();
      const lock = join(dir, 'state', `backend.${instanceId}.lock.json`);
      await supervisor.start();
      await supervisor.stop();
      const deadSupervisor = spawn('true');
      await new Promise((resolve) => deadSupervisor.once('exit', resolve));
      const pid = stranger.pid as number;
      writeFileSync(lock, JSON.stringify({ pid, pgid: pid, startTime: 'not-its-start-time', instanceId, supervisorPid: deadSupervisor.pid, supervisorStartTime: 'x', port: 1, platform: (await loadPlatform()).name }), { mode: 0o600 });
      await supervisor.start();
      expect(isRunning(pid)).toBe(true);
      expect(await processStartTime(pid)).not.toBe('not-its-start-time');
      expect(existsSync(lock)).toBe(false); // the abandoned lock is cleared, its pid left alone
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('the backend of a supervisor that is still alive is not an orphan', async () => {
    const dir = tempDir('alive');
    const stateDir = join(dir, 'state');
    const { cli: first, backendPid } = await runCliUntilRunning(dir);
    try {
      const { supervisor } = supervise('healthy.mjs', { stateDir });
      await supervisor.start();
      expect(isRunning(backendPid)).toBe(true);
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => first.once('exit', resolve));
    }
    expect(isRunning(backendPid)).toBe(false);
  });
});
