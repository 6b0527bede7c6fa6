import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunning } from '../helpers/leaks.js';
import { supervise } from '../helpers/supervisor.js';

const pythonExample = join(import.meta.dirname, '../../examples/python-backend/server.py');
const logOf = (supervisor: { actor: { getSnapshot(): { context: { logFile?: string | undefined } } } }) => supervisor.actor.getSnapshot().context.logFile as string;

describe('the stop request (shutdown.request): a graceful stop without signals', () => {
  it('is sent with the API key before any signal, and a backend that ignores SIGTERM stops cleanly by it', async () => {
    const { supervisor, phases } = supervise('honours-stop-request.mjs', { shutdown: { graceMs: 3_000, request: { path: '/api/shutdown' } } });
    const running = await supervisor.start();
    const log = logOf(supervisor);
    await expect(supervisor.stop()).resolves.toMatchObject({ status: 'stopped' });
    expect(isRunning(running.pid as number)).toBe(false);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('[backend-lifecycle] asking the backend to stop: POST /api/shutdown');
    expect(text).toContain('fixture got the stop request, exiting cleanly');
    expect(text).not.toContain('fixture ignores SIGTERM'); // no signal was needed
    expect(phases()).not.toContain('stopping.killing');
  });

  it('a backend without the endpoint (404) gets SIGTERM at once, not after waitMs', async () => {
    const { supervisor, phases } = supervise('healthy.mjs', { shutdown: { graceMs: 3_000, request: { path: '/api/shutdown', waitMs: 3_000 } } });
    await supervisor.start();
    const log = logOf(supervisor);
    await supervisor.stop();
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('stop request POST /api/shutdown answered HTTP 404; sending SIGTERM now');
    expect(text).toContain('fixture got SIGTERM, closing');
    expect(phases()).not.toContain('stopping.killing');
  });

  it('the example Python backend stops on its stop request', async () => {
    const { supervisor } = supervise('healthy.mjs', { command: 'python3', args: [pythonExample], shutdown: { graceMs: 3_000, request: { path: '/api/shutdown' } } });
    await supervisor.start();
    const log = logOf(supervisor);
    await expect(supervisor.stop()).resolves.toMatchObject({ status: 'stopped' });
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('stop request POST /api/shutdown answered HTTP 202');
    expect(text).toContain('stop request received, shutting down');
    expect(text).not.toContain('SIGTERM received');
  });
});
