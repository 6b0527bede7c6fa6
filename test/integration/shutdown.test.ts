import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRunning, processesWithEnv, processGroupOf } from '../helpers/leaks.js';
import { supervise, testMarker } from '../helpers/supervisor.js';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The grandchild's pid, once the fixture's line about it has reached the log (output is written asynchronously). */
async function grandchildPid(logFile: string | undefined): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const match = /grandchild (\d+)/.exec(readFileSync(logFile as string, 'utf8'));
    if (match) return Number(match[1]);
    if (Date.now() > deadline) throw new Error('the fixture did not report its grandchild');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('graceful shutdown', () => {
  it('SIGTERM-ignoring backend and grandchild: SIGKILL of the whole group after the grace period', async () => {
    const { supervisor, phases } = supervise('ignores-sigterm.mjs', { shutdown: { graceMs: 400 } });
    const running = await supervisor.start();
    const grandchild = await grandchildPid(supervisor.actor.getSnapshot().context.logFile);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker).sort()).toEqual([running.pid, grandchild].sort());
    const began = Date.now();
    await supervisor.stop();
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);
    expect(phases().slice(-4)).toEqual(['stopping.terminating', 'stopping.killing', 'stopping.confirming', 'stopped']);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });

  it('a backend that finishes within the grace period is never SIGKILLed', async () => {
    const { supervisor, phases } = supervise('slow-shutdown.mjs', { env: { FIXTURE_SHUTDOWN_MS: '150' }, shutdown: { graceMs: 2_000 } });
    await supervisor.start();
    await supervisor.stop();
    expect(phases()).not.toContain('stopping.killing');
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    await until(() => readFileSync(logFile, 'utf8').includes('exited with code 0'));
    expect(readFileSync(logFile, 'utf8')).toContain('fixture shutting down slowly');
  });

  it('a backend slower than the grace period is killed when it runs out', async () => {
    const { supervisor, phases } = supervise('slow-shutdown.mjs', { env: { FIXTURE_SHUTDOWN_MS: '5000' }, shutdown: { graceMs: 200 } });
    await supervisor.start();
    await supervisor.stop();
    expect(phases()).toContain('stopping.killing');
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    // the log is written asynchronously (never blocking the event loop): wait for the last note
    await until(() => readFileSync(logFile, 'utf8').includes('exited with signal SIGKILL'));
  });

  it('a crashed leader\'s grandchildren are reaped before the restart', async () => {
    const { supervisor } = supervise('ignores-sigterm.mjs', { shutdown: { graceMs: 200 }, restart: { maxRestarts: 1, initialDelayMs: 20 } });
    const first = await supervisor.start();
    const grandchild = await grandchildPid(supervisor.actor.getSnapshot().context.logFile);
    process.kill(first.pid as number, 'SIGKILL');
    const again = await new Promise<number>((resolve) => {
      const off = supervisor.subscribe((s) => {
        if (s.status === 'running' && s.pid !== first.pid) {
          off();
          resolve(s.pid as number);
        }
      });
    });
    expect(isRunning(grandchild)).toBe(false);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toHaveLength(2);
    expect(again).toBeGreaterThan(0);
  });

  it('a child that left the process group with setsid is found by its instance id and stopped too (Linux)', async () => {
    const { supervisor } = supervise('escapes-group.mjs', { shutdown: { graceMs: 300 } });
    const running = await supervisor.start();
    const log = () => readFileSync(supervisor.actor.getSnapshot().context.logFile as string, 'utf8');
    await until(() => /escapee \d+/.test(log()));
    const escapee = Number(/escapee (\d+)/.exec(log())?.[1]);
    expect(isRunning(escapee)).toBe(true);
    expect(processGroupOf(escapee)).toBe(escapee); // a group of its own: group signals cannot reach it
    expect(processGroupOf(escapee)).not.toBe(running.pid);
    await supervisor.stop();
    expect(isRunning(escapee)).toBe(false);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });

  it('a child that leaves the group while the backend stops (born after the stop began) is found and stopped too (Linux)', async () => {
    const { supervisor } = supervise('escapes-group.mjs', { shutdown: { graceMs: 300 }, env: { FIXTURE_ESCAPE_ON_SIGTERM: '1' } });
    await supervisor.start();
    const log = () => readFileSync(supervisor.actor.getSnapshot().context.logFile as string, 'utf8');
    await until(() => /escapee \d+/.test(log()));
    await supervisor.stop();
    const late = Number(/late escapee (\d+)/.exec(log())?.[1]);
    expect(late).toBeGreaterThan(0);
    expect(isRunning(late)).toBe(false);
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });

  it('stop and restart are accepted in every phase and the last word wins', async () => {
    const { supervisor } = supervise('slow-shutdown.mjs', { env: { FIXTURE_SHUTDOWN_MS: '100' } });
    await supervisor.start();
    const stopping = supervisor.stop();
    expect(supervisor.getStatus().phase).toBe('stopping.terminating');
    const restarted = supervisor.restart(); // changes the plan: run again after the stop
    expect((await stopping).status).toBe('starting'); // the superseded stop settles once the old backend is gone
    expect((await restarted).status).toBe('running');
    const finalStop = supervisor.stop();
    supervisor.actor.send({ type: 'supervisor.stop' });
    expect((await finalStop).status).toBe('stopped');
  });
});
