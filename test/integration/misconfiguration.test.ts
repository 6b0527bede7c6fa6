import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/index.js';
import { fixture, portRange, supervise } from '../helpers/supervisor.js';

describe('misconfiguration fails fast and says why', () => {
  it('a health path that answers 404 is a configuration error: not retried, its own code', async () => {
    const { supervisor, statuses } = supervise('healthy.mjs', { health: { path: '/wrong/health', startupTimeoutMs: 10_000 }, restart: { maxRestarts: 5, initialDelayMs: 20 } });
    const failure = await supervisor.start().catch((error: BackendError) => error);
    expect(failure).toBeInstanceOf(BackendError);
    expect(failure).toMatchObject({ code: 'HEALTH_REJECTED' });
    expect((failure as Error).message).toMatch(/^Backend server failed to start - the health endpoint answered HTTP 404 \(http:\/\/127\.0\.0\.1:\d+\/wrong\/health\): check health\.path and that it needs no API key\. Log: /);
    expect(statuses.map((s) => s.restarts).every((count) => count === 0)).toBe(true);
  });

  // the backend's own sockets are read from /proc: Linux only (README, PORT_MISMATCH)
  it.skipIf(process.platform !== 'linux')('a backend that listens on another port than it was given is named with both ports, not retried', async () => {
    const other = portRange(1).base;
    const { supervisor, statuses } = supervise('listens-elsewhere.mjs', { env: { FIXTURE_OTHER_PORT: String(other) }, restart: { maxRestarts: 5, initialDelayMs: 20 } });
    const failure = (await supervisor.start().catch((error: BackendError) => error)) as BackendError;
    expect(failure.code).toBe('PORT_MISMATCH');
    expect(failure.message).toMatch(new RegExp(`^Backend server failed to start - it listens on port ${other}, not on port (\\d+) that it was given: pass \\{port\\} in its arguments \\(e\\.g\\. --port \\{port\\}\\) or read BACKEND_PORT\\. Log: `));
    expect(statuses.map((s) => s.restarts).every((count) => count === 0)).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')('a launcher whose child listens elsewhere is named the same way (the whole tree is read)', async () => {
    const other = portRange(1).base;
    // sh stays in between as the leader: the listener is its child, not the process we spawned
    const { supervisor } = supervise('listens-elsewhere.mjs', {
      command: 'sh',
      args: ['-c', `"${process.execPath}" "${fixture('listens-elsewhere.mjs')}" & wait`],
      env: { FIXTURE_OTHER_PORT: String(other) },
    });
    const failure = (await supervisor.start().catch((error: BackendError) => error)) as BackendError;
    expect(failure.code).toBe('PORT_MISMATCH');
    expect(failure.message).toContain(`it listens on port ${other}, not on port`);
  });

  it('an interpreter without the app\'s dependencies is final at its second identical crash with the default policy, not after five', async () => {
    // python3 -c stands for python3 app.py whose import fails: the same crash, the same last line, every launch
    const missing = 'backend_lifecycle_missing_dependency';
    const { supervisor, phases } = supervise('unused', { command: 'python3', args: ['-c', `import ${missing}`], restart: {} });
    const failure = (await supervisor.start().catch((error: BackendError) => error)) as BackendError;
    expect(failure).toMatchObject({ code: 'CRASHED_DURING_STARTUP', retryable: false, details: { exitCode: 1, identicalCrashes: 2 } });
    expect(failure.message).toMatch(
      new RegExp(
        `^Backend server crashed during startup the same way 2 times in a row \\(exit code 1; last output: ModuleNotFoundError: No module named '${missing}'\\): a configuration error that restarting cannot fix, so it is not retried \\(is the command the interpreter that has your dependencies, e\\.g\\. the virtual environment's python\\?\\)\\. Log: /.+\\.log$`,
      ),
    );
    expect(phases().filter((phase) => phase === 'starting.backoff')).toHaveLength(1);
    expect(supervisor.getStatus()).toMatchObject({ status: 'error', restarts: 1, error: { code: 'CRASHED_DURING_STARTUP' } });
  });

  it('RESTART_LIMIT carries the last failure as its cause, with that failure\'s code', async () => {
    const { supervisor } = supervise('crash-on-start.mjs', { env: { FIXTURE_CRASH_VARIES: '1' }, restart: { maxRestarts: 1, initialDelayMs: 20 } });
    const failure = (await supervisor.start().catch((error: BackendError) => error)) as BackendError;
    expect(failure.code).toBe('RESTART_LIMIT');
    expect(failure.cause).toBeInstanceOf(BackendError);
    expect(failure.cause).toMatchObject({ code: 'CRASHED_DURING_STARTUP' });
    expect(failure.details).toMatchObject({ lastCode: 'CRASHED_DURING_STARTUP' });
    expect(supervisor.getStatus().error).toMatchObject({ code: 'RESTART_LIMIT', cause: { code: 'CRASHED_DURING_STARTUP' } });
  });

  it('a host that is not an address of this machine is named as such, not as a busy port', async () => {
    const { supervisor } = supervise('healthy.mjs', { host: '192.0.2.1', allowExternal: true, port: 40_123 });
    const failure = (await supervisor.start().catch((error: BackendError) => error)) as BackendError;
    expect(failure.code).toBe('PORT_UNAVAILABLE');
    expect(failure.message).toBe('Backend server failed to start - cannot bind 192.0.2.1:40123: EADDRNOTAVAIL (192.0.2.1 is not an address of this machine)');
  });
});
