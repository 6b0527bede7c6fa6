import { describe, expect, it } from 'vitest';
import { attachBackendToElectron, type ProxyOptions } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { BackendProxyError, createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { supervise } from '../helpers/supervisor.js';

function setup(proxy: ProxyOptions | false = {}, env: Record<string, string> = {}) {
  const electron = electronDoubles();
  const run = supervise('proxy-backend.mjs', { env });
  const logs: string[] = [];
  attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins: ['file://'], proxy, execute: { commands: ['echo'] }, log: (message) => logs.push(message) });
  const window = electron.openWindow();
  const bridge = createBackendBridge(electron.rendererOf(window));
  let asked = 0;
  // the proxied client must never ask for the connection (the key): count it
  const counting = {
    ...bridge,
    getConnection: () => {
      asked += 1;
      return bridge.getConnection();
    },
  };
  const client = createBackendClient(counting);
  return { ...electron, ...run, window, bridge, client, logs, keyRequests: () => asked };
}

async function failure(promise: Promise<unknown>): Promise<BackendProxyError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendProxyError);
  return error as BackendProxyError;
}

describe('the main-process proxy (renderer → main → backend with undici)', () => {
  it('adds the key in main (the page never asks for it), forwards method, query, headers and body, and returns status, headers and body', async () => {
    const { supervisor, client, keyRequests } = setup();
    await supervisor.start();
    const response = await client.fetch('/api/echo?x=1', { method: 'POST', headers: { 'x-custom': 'hi', 'x-api-key': 'forged' }, body: 'hello' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-reply')).toBe('yes');
    expect(await response.json()).toEqual({ method: 'POST', url: '/api/echo?x=1', keyed: true, size: 5, text: 'hello', custom: 'hi' });
    expect(keyRequests()).toBe(0);
    expect((await client.fetch('/api/no-content')).status).toBe(204);
  });

  it('streams a request body to the backend chunk by chunk', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const chunks = Array.from({ length: 50 }, (_, index) => new TextEncoder().encode(`chunk ${index};`));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const response = await client.fetch('/api/echo', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    const answer = (await response.json()) as { size: number; text: string };
    expect(answer.size).toBe(Array.from({ length: 50 }, (_, index) => `chunk ${index};`).join('').length);
    expect(answer.text.startsWith('chunk 0;chunk 1;')).toBe(true);
  });

  it('passes server-sent events on as they arrive, not when the stream ends', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const response = await client.fetch('/api/stream');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // the backend holds the second event until /api/release: a buffering proxy would never deliver the first
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    expect(await (await client.fetch('/api/release')).text()).toBe('released');
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest += new TextDecoder().decode(next.value);
    expect(rest).toBe('data: second\n\n');
  });

  it('answers with a typed error while the backend is not running, and follows it once it runs', async () => {
    const { supervisor, client } = setup();
    const error = await failure(client.fetch('/api/echo'));
    expect(error.code).toBe('BACKEND_NOT_RUNNING');
    expect(error.message).toBe('the backend is stopped');
    await supervisor.start();
    expect((await client.fetch('/api/echo')).status).toBe(201);
  });

  it('enforces its limits: request size, answer size, time to answer', async () => {
    const { supervisor, client } = setup({ maxRequestBytes: 1024, maxResponseBytes: 10_000, headersTimeoutMs: 300 }, { FIXTURE_BIG_BYTES: '50000' });
    await supervisor.start();
    expect((await failure(client.fetch('/api/echo', { method: 'POST', body: 'x'.repeat(2048) }))).code).toBe('PAYLOAD_TOO_LARGE');
    const big = await client.fetch('/api/big');
    const read = big.arrayBuffer().then(
      () => 'read',
      (error: unknown) => (error as BackendProxyError).code,
    );
    expect(await read).toBe('RESPONSE_TOO_LARGE');
    const slow = await failure(client.fetch('/api/hang'));
    expect([slow.code, slow.message]).toEqual(['TIMEOUT', 'the backend did not answer within 300 ms']);
  });

  it('refuses untrusted frames, malformed requests, and everything when the proxy is off', async () => {
    const { supervisor, client, openWindow, rendererOf, logs } = setup();
    await supervisor.start();
    expect((await failure(client.fetch('//evil.example/x'))).code).toBe('BAD_REQUEST');
    const stranger = createBackendClient(createBackendBridge(rendererOf(openWindow('https://evil.example/'))));
    const refused = await failure(stranger.fetch('/api/echo'));
    expect([refused.code, refused.message]).toEqual(['UNTRUSTED_SENDER', 'backend-lifecycle: backend:fetch refused: origin https://evil.example is not trusted']);
    expect(logs).toEqual(['refused backend:fetch: origin https://evil.example is not trusted']);
    const off = setup(false);
    await off.supervisor.start();
    expect((await failure(off.client.fetch('/api/echo'))).code).toBe('PROXY_DISABLED');
  });

  it('a cancelled fetch rejects with the abort reason and frees the request', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const controller = new AbortController();
    const pending = client.fetch('/api/hang', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
    expect((await client.fetch('/api/echo')).status).toBe(201);
  });

  it('python:execute works through the same client', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    expect(await client.execute('nope')).toEqual({ ok: false, error: { code: 'NOT_ALLOWED', message: 'Command "nope" is not on the allowlist' } });
  });
});
