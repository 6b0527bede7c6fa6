import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackendSupervisor } from '../../src/index.js';
import { resolveOptions } from '../../src/options/options.js';
import { refusalOf } from '../helpers/refusal.js';


describe('options validation', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions({ command: 'python3' });
    expect(resolved).toMatchObject({
      host: '127.0.0.1',
      port: { base: 1733, attempts: 100, fallback: 'none' },
      health: { path: '/api/health', startupTimeoutMs: 30_000, requestTimeoutMs: 2_000, monitorIntervalMs: 5_000, failureThreshold: 3 },
      shutdown: { graceMs: 5_000 },
      restart: { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 250, maxDelayMs: 30_000, noRestartExitCodes: [], identicalStartupCrashes: 2 },
      apiKey: undefined,
      name: 'backend',
    });
  });

  it.each([
    [{}, 'Invalid option "command": expected the backend executable as a non-empty string (e.g. "python3"), got undefined'],
    [{ command: '  ' }, 'Invalid option "command": expected the backend executable as a non-empty string (e.g. "python3"), got "  "'],
    [{ command: 'x', args: 'server.py' }, 'Invalid option "args": expected an array of strings, got "server.py"'],
    [{ command: 'x', port: 70_000 }, 'Invalid option "port": expected an integer from 1 to 65535, got 70000'],
    [{ command: 'x', port: { base: 65_500, attempts: 100 } }, 'Invalid option "port.attempts": expected an integer from 1 to 36, got 100'],
    [{ command: 'x', port: { bas: 1 } }, 'Unknown option "port.bas": the known options are "port.base", "port.attempts", "port.fallback"'],
    [{ command: 'x', host: 'localhost' }, 'Invalid option "host": expected an IP address such as "127.0.0.1" ("localhost" may resolve to ::1 while the backend listens on IPv4), got "localhost"'],
    [{ command: 'x', host: '0.0.0.0' }, 'Invalid option "host": expected a loopback address; a wildcard address exposes the backend to the network unless "allowExternal" is true, got "0.0.0.0"'],
    [{ command: 'x', health: { path: 'api/health' } }, 'Invalid option "health.path": expected a path starting with "/", got "api/health"'],
    [{ command: 'x', health: { startupTimeoutMs: 0 } }, 'Invalid option "health.startupTimeoutMs": expected an integer from 1 to 86400000, got 0'],
    [{ command: 'x', shutdown: { graceMs: 1.5 } }, 'Invalid option "shutdown.graceMs": expected an integer from 0 to 86400000, got 1.5'],
    [{ command: 'x', restart: { initialDelayMs: 500, maxDelayMs: 100 } }, 'Invalid option "restart.maxDelayMs": expected an integer from 500 to 86400000, got 100'],
    [{ command: 'x', restart: { noRestartExitCodes: [300] } }, 'Invalid option "restart.noRestartExitCodes": expected an array of exit codes from 0 to 255, got an array ([300])'],
    [{ command: 'x', auth: { apiKey: 'short' } }, 'Invalid option "auth.apiKey": expected undefined (a fresh random key), false (no key) or a string of at least 16 characters without spaces or NUL bytes, got "(hidden)"'],
    [{ command: 'x', env: { A: 1 } }, 'Invalid option "env.A": expected a string, got 1'],
    [{ command: 'x', cwd: '/definitely/not/here' }, 'Invalid option "cwd": expected an existing directory, got "/definitely/not/here"'],
    [{ command: 'x', name: 'a/b' }, 'Invalid option "name": expected letters, digits, ".", "_" or "-" (it names log and lock files), got "a/b"'],
    [{ command: 'x', inspect: 42 }, 'Invalid option "inspect": expected an inspection function or observer (e.g. createBrowserInspector().inspect), got 42'],
    [{ command: 'x', comand: 'y' }, 'Unknown option "comand": the known options are "name", "command", "args"'],
  ])('refuses %j with an exact message', (options, message) => {
    expect(refusalOf(options).startsWith(message)).toBe(true);
  });

  it('never echoes a wrong API key in the error', () => {
    expect(refusalOf({ command: 'x', auth: { apiKey: 'secret key with spaces' } })).not.toContain('secret');
  });

  it('accepts a wildcard host only with allowExternal, and a fixed port', () => {
    expect(resolveOptions({ command: 'x', host: '0.0.0.0', allowExternal: true, port: 8080 })).toMatchObject({ host: '0.0.0.0', port: { fixed: 8080 } });
  });

  it('createBackendSupervisor throws at creation and starts nothing', () => {
    expect(() => createBackendSupervisor({ command: 'x', port: 0 })).toThrow('Invalid option "port": expected an integer from 1 to 65535, got 0');
  });

  it('a supervisor reports its API key: random per supervisor, yours, or none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-opt-'));
    const base = { command: 'x', logDir: dir, stateDir: dir };
    const a = createBackendSupervisor(base).getApiKey();
    const b = createBackendSupervisor(base).getApiKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(createBackendSupervisor({ ...base, auth: { apiKey: 'my-own-key-0123456789' } }).getApiKey()).toBe('my-own-key-0123456789');
    expect(createBackendSupervisor({ ...base, auth: { apiKey: false } }).getApiKey()).toBeUndefined();
  });
});
