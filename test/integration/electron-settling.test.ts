// Issue 19, items 3, 4 and 5: every proxied call settles, nothing crashes main, limits cover the
// upload too, redirects stay on the backend, and no text that leaves the supervisor holds the key.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { attachBackendToElectron, type ElectronBackendOptions, IpcChannel } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { type BackendProxyError, createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { supervise } from '../helpers/supervisor.js';

type Extra = Partial<Omit<ElectronBackendOptions, 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain'>>;

const inspected: string[] = [];

function setup(extra: Extra = {}, env: Record<string, string> = {}) {
  const electron = electronDoubles();
  const run = supervise('proxy-backend.mjs', {
    env,
    inspect: (event) => {
      if (event.type === '@xstate.event') inspected.push(JSON.stringify(event.event));
    },
  });
  const logs: string[] = [];
  const detach = attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins: ['file://'], log: (line) => logs.push(line), ...extra });
  const window = electron.openWindow();
  const bridge = createBackendBridge(electron.rendererOf(window), { acceptTimeoutMs: 1_000 });
  return { ...electron, ...run, window, bridge, client: createBackendClient(bridge), logs, detach };
}

/** "resolved <status>" or "<code>: <message>" (or the error's name), or "pending" after `ms`. */
const settled = (promise: Promise<Response>, ms = 5_000) =>
  Promise.race([
    promise.then(
      (response) => `resolved ${response.status}`,
      (error: BackendProxyError) => `${error.code ?? error.name}: ${error.message}`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

describe('every proxied call settles; nothing crashes main', () => {
  it('a request body stream that errors rejects the fetch', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('disk read failed'));
      },
    });
    expect(await settled(client.fetch('/api/echo', { method: 'POST', body, duplex: 'half' } as RequestInit))).toBe('TypeError: the request body failed: disk read failed');
  });

  it('detach() ends requests in flight, and a request after it settles too', async () => {
    const { supervisor, client, detach } = setup();
    await supervisor.start();
    const hanging = settled(client.fetch('/api/hang'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    detach();
    expect(await hanging).toBe("PROXY_DISABLED: the backend proxy was detached (attachBackendToElectron's detach())");
    // nobody listens any more, and Chromium's MessagePort does not tell the page: the bridge gives up after acceptTimeoutMs
    expect(await settled(client.fetch('/api/echo'))).toBe('PROXY_DISABLED: the main process did not take the request within 1000 ms (no proxy attached, or it was detached)');
  });

  it('a status no Response can carry (600) fails the request in main, and nothing throws in the page', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    process.on('uncaughtException', onUncaught);
    try {
      expect(await settled(client.fetch('/api/status-600'))).toBe('BACKEND_ERROR: the backend answered with HTTP status 600, which a Response cannot carry');
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('malformed messages on a proxy port (null, garbage) fail that request and never throw in main', async () => {
    const { supervisor, ipcMain, window } = setup();
    await supervisor.start();
    const answers = (send: (port: MessagePort) => void) =>
      new Promise<unknown>((resolve) => {
        const { port1, port2 } = new MessageChannel();
        port1.on('message', (message: { type: string }) => {
          if (message.type === 'error' || message.type === 'end') resolve(message);
        });
        ipcMain.post(IpcChannel.Backend_Fetch, window.event(), { path: '/api/hang', method: 'POST', headers: [], hasBody: true }, [port2]);
        send(port1);
      });
    process.on('uncaughtException', onUncaught);
    try {
      for (const garbage of [null, 42, { type: 'body', data: 'not bytes' }, { type: 'nope' }]) {
        expect(await answers((port) => port.postMessage(garbage))).toEqual({ type: 'error', error: { code: 'BAD_REQUEST', message: 'backend:fetch got a malformed message on its port' } });
      }
      // no port, no request object: logged and refused, not thrown
      expect(() => ipcMain.listeners.emit(IpcChannel.Backend_Fetch, { ...window.event(), ports: [] }, null)).not.toThrow();
      expect(() => ipcMain.listeners.emit(IpcChannel.Backend_Fetch, null, null)).not.toThrow();
      // ports that are not ports (Electron makes them, but main must not trust their shape either)
      expect(() => ipcMain.listeners.emit(IpcChannel.Backend_Fetch, { ...window.event(), ports: [{}] }, { path: '/api/echo', method: 'GET', headers: [], hasBody: false })).not.toThrow();
      expect(() => ipcMain.listeners.emit(IpcChannel.Backend_Fetch, { ...window.event(), ports: 'x' }, {})).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('requests leave no abort listener on a long-lived signal', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners += 1;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners -= 1;
      remove(...args);
    }) as typeof remove;
    for (let index = 0; index < 5; index += 1) await (await client.fetch('/api/echo', { signal: controller.signal })).text();
    expect(await settled(client.fetch('/api/status-600', { signal: controller.signal }))).toMatch(/^BACKEND_ERROR/);
    expect(listeners).toBe(0);
  });
});

describe('limits and redirects', () => {
  it('a stalled upload times out (the idle limit covers the request body too)', async () => {
    const { supervisor, client } = setup({ proxy: { idleTimeoutMs: 400 } });
    await supervisor.start();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('first chunk, then silence'));
      },
    });
    expect(await settled(client.fetch('/api/echo', { method: 'POST', body, duplex: 'half' } as RequestInit))).toBe('TIMEOUT: the page sent no request body for 400 ms');
  });

  it('caps the requests in flight (proxy.maxConcurrent)', async () => {
    const { supervisor, client } = setup({ proxy: { maxConcurrent: 2 } });
    await supervisor.start();
    const controller = new AbortController();
    const held = [client.fetch('/api/hang', { signal: controller.signal }), client.fetch('/api/hang', { signal: controller.signal })];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await settled(client.fetch('/api/echo'))).toBe('TOO_MANY_REQUESTS: 2 proxied requests are in flight already (proxy.maxConcurrent)');
    controller.abort();
    await Promise.allSettled(held);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await settled(client.fetch('/api/echo'))).toBe('resolved 201');
  });

  it('python:execute shares the cap (no second route to unbounded sockets), and a flood of header text is refused', async () => {
    const { supervisor, client } = setup({ proxy: { maxConcurrent: 2 }, execute: { commands: ['echo'], path: '/api/hang', timeoutMs: 3_000 } });
    await supervisor.start();
    const held = [client.execute('echo'), client.execute('echo')];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await client.execute('echo')).toEqual({ ok: false, error: { code: 'TOO_MANY_REQUESTS', message: '2 python:execute calls are in flight already (proxy.maxConcurrent)' } });
    expect((await Promise.all(held)).map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['TIMEOUT', 'TIMEOUT']);
    // a slot is free again: the call is made (and times out on /api/hang), not refused
    expect(await client.execute('echo')).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    const flood = { 'x-flood': 'x'.repeat(70_000) };
    expect(await settled(client.fetch('/api/echo', { headers: flood }))).toBe('BAD_REQUEST: backend:fetch headers must total at most 65536 characters (got 70007)');
  }, 30_000);

  it("follows a same-origin 307 with its method and body (FastAPI's trailing-slash redirect); refuses another origin", async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const response = await client.fetch('/api/items', { method: 'POST', body: 'payload' });
    expect([response.status, await response.text()]).toEqual([200, 'items POST payload']);
    expect(await settled(client.fetch('/api/away'))).toBe('BACKEND_ERROR: the backend redirected to http://example.invalid, another origin: not followed (the key stays with the backend)');
  });
});

describe('secrets', () => {
  it('a STATUS= line that names the key reaches no window, listener or dialog unredacted', async () => {
    const { supervisor, window } = setup({}, { FIXTURE_LEAK_KEY: '1' });
    const seen: BackendStatusInfo[] = [];
    supervisor.subscribe((status) => seen.push(status));
    await supervisor.start();
    const key = supervisor.getApiKey() as string;
    const details = seen.map((status) => status.detail).filter(Boolean);
    expect(details).toContain('connecting with key [REDACTED]');
    expect(JSON.stringify(seen)).not.toContain(key);
    expect(JSON.stringify(window.webContents.sent)).not.toContain(key);
    // the inspector sees the machine's events: the progress event carries the redacted text
    expect(inspected.some((event) => event.includes('connecting with key [REDACTED]'))).toBe(true);
    expect(inspected.join('\n')).not.toContain(key);
  });

  it("the direct client joins paths as URLs: '7/api/target' stays on the backend's port", async () => {
    const { supervisor, bridge } = setup({ direct: true });
    await supervisor.start();
    const client = createBackendClient(bridge, { direct: true });
    const response = await client.fetch('7/api/echo');
    expect(response.status).toBe(404); // /7/api/echo on the backend, not port <port>7
    await expect(client.fetch('//evil.example/x')).rejects.toThrow('is not a path on the backend');
    client.dispose();
  });
});
