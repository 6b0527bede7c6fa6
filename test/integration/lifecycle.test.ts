import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/index.js';
import { isRunning, processesWithEnv } from '../helpers/leaks.js';
import { portRange, supervise } from '../helpers/supervisor.js';

describe('a healthy backend', () => {
  it('goes stopped → starting → running → stopping → stopped, with every phase in order', async () => {
    const { supervisor, phases, dir } = supervise('healthy.mjs');
    // no port yet: no URL with port 0 that a caller could fetch by mistake
    expect(supervisor.getBaseUrl()).toBeUndefined();
    const running = await supervisor.start();
    expect(running.status).toBe('running');
    expect(running.port).toBe(supervisor.getPort());
    expect(running.pid).toBeGreaterThan(0);
    expect(supervisor.getBaseUrl()).toBe(`http://127.0.0.1:${running.port}`);
    const health = await fetch(`${supervisor.getBaseUrl()}/api/health`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
    const lock = join(dir, 'state', `backend.${supervisor.actor.getSnapshot().context.instanceId}.lock.json`);
    expect(existsSync(lock)).toBe(true);

    const stopped = await supervisor.stop();
    expect(stopped).toMatchObject({ status: 'stopped', port: 0, phase: 'stopped', restarts: 0 });
    expect(stopped.pid).toBeUndefined();
    expect(supervisor.getBaseUrl()).toBeUndefined();
    expect(phases()).toEqual([
      'stopped',
      'starting.preparing',
      'starting.reapingOrphans',
      'starting.allocatingPort',
      'starting.spawning',
      'starting.waitingForHealth',
      'running',
      'stopping.terminating',
      'stopping.confirming',
      'stopped',
    ]);
    expect(existsSync(lock)).toBe(false);
    expect(isRunning(running.pid as number)).toBe(false);
  });

  it('gives the backend the environment contract and never puts the API key in argv or the log', async () => {
    const { supervisor } = supervise('print-env.mjs', { args: [join(import.meta.dirname, '../fixtures/print-env.mjs'), '--listen', '{host}:{port}'] });
    const running = await supervisor.start();
    const key = supervisor.getApiKey() as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    await supervisor.stop();
    const logFile = readdirLog(supervisor.actor.getSnapshot().context.logFile);
    const env = JSON.parse(/ENV (.*)/.exec(logFile)?.[1] ?? '{}');
    expect(env).toMatchObject({ port: String(running.port), host: '127.0.0.1', parentPid: String(process.pid), keyLength: 43 });
    expect(env.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.argv).toEqual(['--listen', `127.0.0.1:${running.port}`]);
    expect(logFile).not.toContain(key);
    expect(logFile).toContain('leaking the key by mistake: [REDACTED]');
  });

  it('a backend may say READY=1 on BACKEND_NOTIFY_FD; the supervisor notes it and checks health at once', async () => {
    const { supervisor } = supervise('notifies-ready.mjs');
    await supervisor.start();
    // the log is written through a stream: the line may reach the file a moment after start() resolves
    await vi.waitFor(() => expect(readdirLog(supervisor.actor.getSnapshot().context.logFile)).toContain('backend notified READY=1'), { timeout: 2_000 });
  });

  it('restart() replaces the process with a fresh instance and keeps running', async () => {
    const { supervisor } = supervise('healthy.mjs');
    const first = await supervisor.start();
    const firstInstance = supervisor.actor.getSnapshot().context.instanceId;
    const second = await supervisor.restart();
    expect(second.status).toBe('running');
    expect(second.pid).not.toBe(first.pid);
    expect(supervisor.actor.getSnapshot().context.instanceId).not.toBe(firstInstance);
    expect(isRunning(first.pid as number)).toBe(false);
    expect(second.restarts).toBe(0);
  });

  it('supervisors starting at once from one range get distinct ports, and a restart may keep its port', async () => {
    const range = portRange(10);
    const runs = Array.from({ length: 5 }, () => supervise('healthy.mjs', { port: range }));
    const started = await Promise.all(runs.map((run) => run.supervisor.start()));
    expect(new Set(started.map((status) => status.port)).size).toBe(5);
    const first = runs[0] as (typeof runs)[number];
    const again = await first.supervisor.restart();
    expect(again.port).toBe(started[0]?.port);
  });

  it('start() while running and stop() twice are harmless', async () => {
    const { supervisor } = supervise('healthy.mjs');
    const a = await supervisor.start();
    const b = await supervisor.start();
    expect(b.pid).toBe(a.pid);
    const [x, y] = await Promise.all([supervisor.stop(), supervisor.stop()]);
    expect(x.status).toBe('stopped');
    expect(y.status).toBe('stopped');
    expect((await supervisor.stop()).status).toBe('stopped');
  });

  it('stop() during startup cancels it: start() rejects with STOPPED and nothing is left', async () => {
    const { supervisor, phases } = supervise('healthy.mjs', { env: { FIXTURE_READY_DELAY_MS: '3000' } });
    const starting = supervisor.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.getStatus().phase).toBe('starting.waitingForHealth');
    const stopped = await supervisor.stop();
    await expect(starting).rejects.toMatchObject({ code: 'STOPPED' });
    await expect(starting).rejects.toBeInstanceOf(BackendError);
    expect(stopped.status).toBe('stopped');
    expect(phases()).not.toContain('running');
    expect(processesWithEnv('FIXTURE_READY_DELAY_MS', '3000')).toEqual([]);
  });

  it('commands sent from inside a listener are answered by what follows, not by the status being delivered', async () => {
    const { supervisor } = supervise('crash-on-start.mjs');
    const stoppedFromListener = new Promise<string>((resolve, reject) => {
      const off = supervisor.subscribe((status) => {
        if (status.status !== 'error') return;
        off();
        supervisor.stop().then((s) => resolve(s.status), reject);
      });
    });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'CRASHED_DURING_STARTUP' });
    expect(await stoppedFromListener).toBe('stopped');
  });

  it('notifies subscribers once per change and stops notifying after unsubscribe', async () => {
    const { supervisor } = supervise('healthy.mjs');
    const seen: string[] = [];
    const off = supervisor.subscribe((status) => seen.push(status.phase));
    await supervisor.start();
    off();
    await supervisor.stop();
    expect(seen).toEqual(['starting.preparing', 'starting.reapingOrphans', 'starting.allocatingPort', 'starting.spawning', 'starting.waitingForHealth', 'running']);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

function readdirLog(path: string | undefined): string {
  if (!path) throw new Error('no log file recorded');
  return readFileSync(path, 'utf8');
}
