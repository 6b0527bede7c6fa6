import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isRunning } from '../helpers/leaks.js';
import { nextStatus, portRange, supervise } from '../helpers/supervisor.js';

function foreignServer(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.end('foreign'));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('startup failures', () => {
  it('a crash during startup rejects with CRASHED_DURING_STARTUP, the last output and the log file', async () => {
    const { supervisor } = supervise('crash-on-start.mjs');
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CRASHED_DURING_STARTUP', details: { exitCode: 3 } });
    const { message, logFile } = error as { message: string; logFile: string };
    expect(message).toBe(
      `Backend server crashed during startup (exit code 3; last output: ModuleNotFoundError: No module named fastapi). Log: ${logFile}`,
    );
    expect(readFileSync(logFile, 'utf8')).toContain('[err] ModuleNotFoundError: No module named fastapi');
    expect(supervisor.getStatus()).toMatchObject({ status: 'error', port: 0, error: { code: 'CRASHED_DURING_STARTUP', logFile } });
  });

  it('retries crashes that differ with growing delays and gives up with RESTART_LIMIT after maxRestarts', async () => {
    const { supervisor, phases } = supervise('crash-on-start.mjs', {
      env: { FIXTURE_CRASH_VARIES: '1' },
      restart: { maxRestarts: 2, initialDelayMs: 20, maxDelayMs: 100 },
    });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESTART_LIMIT', details: { restarts: 2, lastCode: 'CRASHED_DURING_STARTUP' } });
    expect((error as Error).message).toMatch(/^Backend server could not be kept running: gave up after 2 restarts without a stable run of 60000 ms; last failure: Backend server crashed during startup/);
    expect(phases().filter((p) => p === 'starting.backoff')).toHaveLength(2);
    expect(supervisor.getStatus().restarts).toBe(2);
  });

  it('a start-up crash with an exit code in noRestartExitCodes is final at once, without a backoff', async () => {
    const { supervisor, phases } = supervise('crash-on-start.mjs', {
      env: { FIXTURE_EXIT_CODE: '78', FIXTURE_CRASH_VARIES: '1' },
      restart: { maxRestarts: 3, initialDelayMs: 20, noRestartExitCodes: [78] },
    });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CRASHED_DURING_STARTUP', retryable: false, details: { exitCode: 78 } });
    expect(phases()).not.toContain('starting.backoff');
    expect(supervisor.getStatus()).toMatchObject({ status: 'error', restarts: 0 });
  });

  it('a missing path is SPAWN_FAILED naming the path, without the PATH advice', async () => {
    const { supervisor } = supervise('healthy.mjs', { command: '/nonexistent-bl/backend/server' });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Backend server failed to start - command "\/nonexistent-bl\/backend\/server" was not found \(cwd .+\)\. Log: .+\.log$/);
  });

  it('a missing command is SPAWN_FAILED at once, without retries', async () => {
    const { supervisor, phases } = supervise('healthy.mjs', { command: 'definitely-not-a-command-bl', restart: { maxRestarts: 3 } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED' });
    expect((error as Error).message).toMatch(
      /^Backend server failed to start - command "definitely-not-a-command-bl" was not found on PATH \(cwd .+\); an app started from Finder, Explorer or a desktop launcher gets the system's minimal PATH, not your shell's: give the command's absolute path, or ship the backend with the app \(resolveBackendCommand\)\. Log: .+\.log$/,
    );
    expect(phases()).not.toContain('starting.backoff');
  });

  it('a backend that never listens is HEALTH_TIMEOUT with the "connection refused" message of MineContext\'s backend manager', async () => {
    const { supervisor } = supervise('never-listens.mjs', { health: { startupTimeoutMs: 600 } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    expect((error as Error).message).toMatch(/^Backend server failed to start - connection refused \(nothing answered http:\/\/127\.0\.0\.1:\d+\/api\/health within 600 ms\)\. Log: /);
  });

  it('a health endpoint answering 500 is HEALTH_TIMEOUT naming the status', async () => {
    // room for a slow fixture start on a loaded machine: the point is the 500 answers, not the listen time
    const { supervisor } = supervise('answers-500.mjs', { health: { startupTimeoutMs: 2_000 } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    expect((error as Error).message).toContain('last check: answered HTTP 500');
  });

  it('an answer from another instance is never taken for ours: INSTANCE_MISMATCH', async () => {
    const { supervisor } = supervise('wrong-instance.mjs');
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INSTANCE_MISMATCH' });
    expect((error as Error).message).toMatch(/another process answers on port \d+ \(answered as instance someone-else, expected [0-9a-f-]{36}\)/);
  });

  it('a busy fixed port is PORT_UNAVAILABLE and the foreign server on it survives', async () => {
    const { base } = portRange();
    const foreign = await foreignServer(base);
    try {
      const { supervisor, phases } = supervise('healthy.mjs', { port: base });
      const error = await supervisor.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PORT_UNAVAILABLE', details: { port: base } });
      expect((error as Error).message).toBe(`Backend server failed to start - port already in use (port ${base} on 127.0.0.1 belongs to another program)`);
      expect(phases()).not.toContain('starting.spawning');
      const answer = await fetch(`http://127.0.0.1:${base}/`);
      expect(await answer.text()).toBe('foreign');
    } finally {
      foreign.close();
    }
  });

  it('a port range skips ports that are taken', async () => {
    const range = portRange();
    const foreign = await foreignServer(range.base);
    try {
      const { supervisor } = supervise('healthy.mjs', { port: range });
      expect((await supervisor.start()).port).toBe(range.base + 1);
    } finally {
      foreign.close();
    }
  });

  it('EADDRINUSE at bind (port taken after our probe) maps to "port already in use"', async () => {
    const { base } = portRange();
    const foreign = await foreignServer(base);
    try {
      const { supervisor } = supervise('binds-taken-port.mjs', { env: { FIXTURE_BIND_PORT: String(base) } });
      const error = await supervisor.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PORT_UNAVAILABLE' });
      expect((error as Error).message).toMatch(/^Backend server failed to start - port already in use \(port \d+, exit code 1; last output: Error: listen EADDRINUSE/);
      expect(existsSync((error as { logFile: string }).logFile)).toBe(true);
    } finally {
      foreign.close();
    }
  });
});

describe('the port race', () => {
  it('a port taken between our probe and the backend\'s bind: EADDRINUSE, then the next port, counted as a restart', async () => {
    const range = portRange();
    const { supervisor, statuses } = supervise('healthy.mjs', { port: range, restart: { maxRestarts: 2, initialDelayMs: 10 } });
    let squatter: Server | undefined;
    supervisor.subscribe((status) => {
      // the moment we spawn, someone else binds our port: the backend's own bind must fail
      if (status.phase === 'starting.spawning' && status.port === range.base && !squatter) squatter = createServer().listen(range.base, '127.0.0.1');
    });
    try {
      const running = await supervisor.start();
      expect(running).toMatchObject({ status: 'running', port: range.base + 1, restarts: 1 });
      const failure = statuses.find((s) => s.error?.code === 'PORT_UNAVAILABLE');
      // recognised anywhere in its output (Node's crash report ends with its version line, not the error)
      expect(failure?.error?.message).toMatch(new RegExp(`^Backend server failed to start - port already in use \\(port ${range.base}, exit code 1; `));
    } finally {
      squatter?.close();
    }
  });
});

describe('failures while running', () => {
  it('a crash is EXITED_UNEXPECTEDLY, then the backend is restarted with a new pid', async () => {
    const { supervisor, statuses } = supervise('crash-later.mjs', { restart: { maxRestarts: 3, initialDelayMs: 20, maxDelayMs: 100 } });
    const first = await supervisor.start();
    const crashed = await nextStatus(supervisor, (s) => s.error?.code === 'EXITED_UNEXPECTEDLY');
    expect(crashed.error?.message).toMatch(/^Backend server exited unexpectedly \(exit code 7; last output: fixture crashing now\)\. Log: /);
    const again = await nextStatus(supervisor, (s) => s.status === 'running' && s.pid !== first.pid);
    expect(again.restarts).toBe(1);
    expect(again.error).toBeUndefined();
    const sequence = statuses.slice(statuses.indexOf(crashed)).map((s) => s.phase);
    expect(sequence.slice(0, 3)).toEqual(['stopping.confirming', 'starting.backoff', 'starting.preparing']);
  });

  it('an exit code listed in noRestartExitCodes is not restarted', async () => {
    const { supervisor, phases } = supervise('crash-later.mjs', {
      env: { FIXTURE_EXIT_CODE: '78' },
      restart: { maxRestarts: 3, noRestartExitCodes: [78] },
    });
    await supervisor.start();
    const failed = await nextStatus(supervisor, (s) => s.status === 'error');
    expect(failed.error).toMatchObject({ code: 'EXITED_UNEXPECTEDLY' });
    expect(failed.error?.message).toContain('exit code 78');
    expect(phases()).not.toContain('starting.backoff');
  });

  it('failed liveness checks while alive are UNHEALTHY: the process is stopped and replaced', async () => {
    const { supervisor, phases } = supervise('becomes-unhealthy.mjs', { restart: { maxRestarts: 1, initialDelayMs: 20 } });
    const first = await supervisor.start();
    const unhealthy = await nextStatus(supervisor, (s) => s.error?.code === 'UNHEALTHY');
    expect(unhealthy.error?.message).toMatch(/^Backend server stopped answering health checks: 2 failures in a row \(last: answered HTTP 503; http:\/\/127\.0\.0\.1:\d+\/api\/health\)\. Log: /);
    const replaced = await nextStatus(supervisor, (s) => s.status === 'running' && s.pid !== first.pid);
    expect(replaced.restarts).toBe(1);
    expect(isRunning(first.pid as number)).toBe(false);
    expect(phases()).toContain('stopping.terminating');
  });

  it('with maxRestarts 0 a crash ends in error, keeping the crash as the cause', async () => {
    const { supervisor } = supervise('crash-later.mjs');
    await supervisor.start();
    const failed = await nextStatus(supervisor, (s) => s.status === 'error');
    expect(failed.error?.code).toBe('EXITED_UNEXPECTEDLY');
    expect((await supervisor.start()).status).toBe('running');
  });
});
