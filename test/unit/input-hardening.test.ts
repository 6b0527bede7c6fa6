import { createActor, type EventObject, fromCallback, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ProcessEvent } from '../../machines/events.js';
import { createRunBackend } from '../../src/actors/run-backend.js';
import { ReadinessHints } from '../../src/actors/readiness-hints.js';
import { createBackendSupervisor } from '../../src/index.js';
import { resolveOptions } from '../../src/options/options.js';
import { ipVersion } from '../../src/options/validate.js';
import { refusalOf } from '../helpers/refusal.js';
import { statusStoreLogic } from '../../src/react/status-store.js';
import { tempDir } from '../helpers/supervisor.js';


describe('inputs that would crash the host are refused at creation', () => {
  it.each([
    [{ command: 'py\0thon' }, 'Invalid option "command": expected a string without NUL bytes, got "py\\u0000thon"'],
    [{ command: 'x', args: ['a', 'b\0c'] }, 'Invalid option "args[1]": expected a string without NUL bytes, got "b\\u0000c"'],
    [{ command: 'x', env: { A: 'x\0y' } }, 'Invalid option "env.A": expected a string without NUL bytes, got "x\\u0000y"'],
    [{ command: 'x', env: { 'A=B': 'x' } }, 'Invalid option "env": expected variable names without "=" or NUL bytes, got "A=B"'],
    [{ command: 'x', auth: { apiKey: `0123456789abcdef\0` } }, 'Invalid option "auth.apiKey": expected undefined (a fresh random key), false (no key) or a string of at least 16 characters without spaces or NUL bytes, got "(hidden)"'],
    [{ command: 'x', cwd: '/tmp\0' }, 'Invalid option "cwd": expected a string without NUL bytes, got "/tmp\\u0000"'],
    [{ command: 'x', logDir: '/tmp/a\0' }, 'Invalid option "logDir": expected a string without NUL bytes, got "/tmp/a\\u0000"'],
    [{ command: 'x', health: { path: '/api/health\0' } }, 'Invalid option "health.path": expected a string without NUL bytes, got "/api/health\\u0000"'],
    [{ command: 'x', host: 'my-laptop.local' }, 'Invalid option "host": expected an IP address such as "127.0.0.1" or "::1", got "my-laptop.local"'],
    [{ command: 'x', host: '[::1]' }, 'Invalid option "host": expected an IP address without brackets ("::1"), got "[::1]"'],
    [{ command: 'x', shutdown: { graceMs: Number.NaN } }, 'Invalid option "shutdown.graceMs": expected an integer from 0 to 86400000, got NaN'],
    [{ command: 'x', health: { startupTimeoutMs: Number.POSITIVE_INFINITY } }, 'Invalid option "health.startupTimeoutMs": expected an integer from 1 to 86400000, got Infinity'],
  ])('refuses %j with an exact message', (options, message) => {
    expect(refusalOf(options)).toBe(message);
  });

  it('keeps env: { NAME: undefined } as "remove this inherited variable"', () => {
    expect(resolveOptions({ command: 'x', env: { HOME: undefined, A: 'b' } }).env).toEqual({ HOME: undefined, A: 'b' });
  });

  it('the process actor cannot throw past itself: a spawn that throws becomes process.spawnFailed', async () => {
    const dir = tempDir('nul');
    // validation would refuse this; the actor must still not crash the host if something slips through
    const options = { ...resolveOptions({ command: 'x', logDir: dir, stateDir: dir }), command: 'no\0such' };
    const events: EventObject[] = [];
    const host = setup({ actors: { runBackend: fromCallback(createRunBackend(options, false, new ReadinessHints())) } }).createMachine({
      invoke: { id: 'runBackend', src: 'runBackend', input: { port: 1 } },
      on: { '*': { actions: ({ event }) => events.push(event) } },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const actor = createActor(host);
    try {
      actor.start();
      // the first launch loads execa (~130 ms, more on a busy machine): wait for the answer, not a fixed time
      for (let waited = 0; waited < 10_000 && !events.some((event) => event.type === 'process.spawnFailed'); waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      actor.stop();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    const failed = events.find((event) => event.type === 'process.spawnFailed') as Extract<ProcessEvent, { type: 'process.spawnFailed' }> | undefined;
    expect(failed?.error).toMatchObject({ code: 'SPAWN_FAILED' });
    expect(failed?.error.message).toMatch(/^Backend server failed to start - could not run "no\\u0000such": /);
  });

  it('createBackendSupervisor refuses a NUL byte before anything is spawned', () => {
    expect(() => createBackendSupervisor({ command: 'node', args: ['\0'] })).toThrow('Invalid option "args[0]"');
  });
});

describe('the renderer status store', () => {
  it('orders statuses by sequence number, so a tie on the timestamp cannot let an older status win', () => {
    const store = createActor(statusStoreLogic).start();
    const at = '2026-01-01T00:00:00.000Z';
    const base = { port: 0, timestamp: at, restarts: 0 } as const;
    store.send({ type: 'status.received', status: { ...base, status: 'running', phase: 'running', sequence: 5 } });
    store.send({ type: 'status.received', status: { ...base, status: 'starting', phase: 'starting.waitingForHealth', sequence: 4 } });
    expect(store.getSnapshot().context?.status).toBe('running');
    store.send({ type: 'status.received', status: { ...base, status: 'stopping', phase: 'stopping.terminating', sequence: 6 } });
    expect(store.getSnapshot().context?.status).toBe('stopping');
  });
});

describe('IP addresses for "host"', () => {
  it.each([
    ['127.0.0.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['::1', 6],
    ['::', 6],
    ['fe80::1', 6],
    ['::ffff:127.0.0.1', 6],
    ['256.0.0.1', 0],
    ['127.0.0', 0],
    ['01.2.3.4', 0],
    ['localhost', 0],
    ['::g', 0],
    ['1:2:3:4:5:6:7:8:9', 0],
    ['[::1]', 0],
    ['', 0],
  ] as const)('%s is IPv%s (0: not an address), as node:net says', async (host, version) => {
    expect(ipVersion(host)).toBe(version);
    const { isIP } = await import('node:net');
    expect(isIP(host)).toBe(version);
  });
});

describe('shutdown.request', () => {
  it('defaults to POST and half the grace period, and refuses what cannot work', () => {
    expect(resolveOptions({ command: 'x', shutdown: { graceMs: 4_000, request: { path: '/api/shutdown' } } }).shutdown).toEqual({
      graceMs: 4_000,
      request: { path: '/api/shutdown', method: 'POST', waitMs: 2_000 },
    });
    expect(refusalOf({ command: 'x', shutdown: { request: { path: 'api/shutdown' } } })).toBe(
      'Invalid option "shutdown.request.path": expected a path starting with "/" (e.g. "/api/shutdown"), got "api/shutdown"',
    );
    expect(refusalOf({ command: 'x', shutdown: { request: { path: '/x', method: 'GET' } } })).toBe('Invalid option "shutdown.request.method": expected "POST", "PUT" or "DELETE", got "GET"');
    expect(refusalOf({ command: 'x', shutdown: { graceMs: 1_000, request: { path: '/x', waitMs: 5_000 } } })).toBe(
      'Invalid option "shutdown.request.waitMs": expected an integer from 0 to 1000, got 5000',
    );
  });
});
