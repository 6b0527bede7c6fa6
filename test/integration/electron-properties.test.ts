// Issue 19, item 4: the bridge and proxy under random calls, aborts, detaches and backend faults
// (restarts, kills) with a real backend: every call settles exactly once, no listener survives, and
// no path a page can write (tabs, backslashes, redirects) carries a request, or the key, to another origin.
import { createServer } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendBridge } from '../../src/electron/bridge-types.js';
import { attachBackendToElectron } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { portRange, supervise } from '../helpers/supervisor.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An AbortController whose signal counts the listeners on it. */
function countedController() {
  const controller = new AbortController();
  const counter = { listeners: 0 };
  const { signal } = controller;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    counter.listeners += 1;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    counter.listeners -= 1;
    remove(...args);
  }) as typeof remove;
  return { controller, counter };
}

const erroringBody = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1, 2, 3]));
      setTimeout(() => controller.error(new Error('stream broke')), 20);
    },
  });

/** An upload that never ends by itself (a microphone, a live log): once its request is over it must be cancelled, not read for ever. */
function endlessBody(cancelled: boolean[]) {
  const index = cancelled.push(false) - 1;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(1);
      controller.enqueue(new Uint8Array(4096));
    },
    cancel() {
      cancelled[index] = true;
    },
  });
}

const request = fc.oneof(
  fc.constant({ path: '/api/echo', method: 'GET' as const }),
  fc.constant({ path: '/api/echo', method: 'POST' as const, body: 'hello' }),
  fc.constant({ path: '/api/echo', method: 'POST' as const, body: 'stream' }),
  fc.constant({ path: '/api/echo', method: 'POST' as const, body: 'error' }),
  fc.constant({ path: '/api/echo', method: 'POST' as const, body: 'endless' }),
  fc.constant({ path: '/api/hang', method: 'GET' as const }),
  fc.constant({ path: '/api/stream', method: 'GET' as const }),
  fc.constant({ path: '/api/big', method: 'GET' as const }),
  fc.constant({ path: '/api/status-600', method: 'GET' as const }),
  fc.constant({ path: '/api/items', method: 'POST' as const, body: 'x' }),
  fc.constant({ path: '/api/away', method: 'GET' as const }),
  fc.constant({ path: '/api/execute', method: 'POST' as const, body: '{}' }),
  fc.constant({ path: '//evil.example/x', method: 'GET' as const }),
  // ELSEWHERE: a second local server, where a request the proxy let leave the backend would land
  fc.constant({ path: '/\t/ELSEWHERE/x', method: 'GET' as const }),
  fc.constant({ path: `/api/redirect?to=${encodeURIComponent('http://ELSEWHERE/x')}`, method: 'GET' as const }),
  fc.constant({ path: `/api/redirect?status=308&to=${encodeURIComponent('/\\ELSEWHERE/x')}`, method: 'POST' as const, body: 'x' }),
);
// what a hostile page sends on the bridge itself, past the client's own checks
const rawPath = fc.constantFrom('/\\ELSEWHERE/x', '/\t\\ELSEWHERE/x', '/\n/ELSEWHERE/x', '/\u007f/ELSEWHERE/x', '/api/%5c%5cELSEWHERE/x');
const operation = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('fetch' as const), request, abortable: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), path: rawPath }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('detach' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('execute' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 150 }) }) },
);

describe('the proxy and bridge under random calls, aborts, detaches and backend faults', () => {
  const { supervisor } = supervise('proxy-backend.mjs', { env: { FIXTURE_BIG_BYTES: '300000' }, restart: { maxRestarts: 0, initialDelayMs: 20, maxDelayMs: 100 } });
  const heardElsewhere: string[] = [];
  const elsewhere = createServer((req, res) => {
    heardElsewhere.push(`${req.method} ${req.url} key=${req.headers['x-api-key'] ?? 'none'}`);
    res.end('elsewhere');
  });
  let elsewhereHost = '';
  beforeAll(async () => {
    const { base } = portRange(1);
    await new Promise<void>((resolve, reject) => {
      elsewhere.once('error', reject);
      elsewhere.listen(base, '127.0.0.1', resolve);
    });
    elsewhereHost = `127.0.0.1:${base}`;
  });
  afterAll(() => {
    elsewhere.closeAllConnections();
    elsewhere.close();
    return supervisor.stop();
  });

  it('every call settles exactly once, and no listener survives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 10 }), async (operations) => {
        if (supervisor.getStatus().status !== 'running') await supervisor.start().catch(() => supervisor.start());
        const electron = electronDoubles();
        const detach = attachBackendToElectron(supervisor, {
          ...electron,
          trustedOrigins: ['file://'],
          execute: { commands: ['echo'] },
          proxy: { headersTimeoutMs: 1_500, idleTimeoutMs: 1_500, maxRequestBytes: 256 * 1024 },
          log: () => {},
        });
        const window = electron.openWindow();
        const bridge = createBackendBridge(electron.rendererOf(window), { acceptTimeoutMs: 1_000 });
        const terminals: number[] = [];
        const counting: BackendBridge = {
          ...bridge,
          request(proxied, sink) {
            const index = terminals.push(0) - 1;
            return bridge.request(proxied, {
              head: (...args) => sink.head(...args),
              chunk: (data) => sink.chunk(data),
              end: () => {
                terminals[index] = (terminals[index] ?? 0) + 1;
                sink.end();
              },
              fail: (error) => {
                terminals[index] = (terminals[index] ?? 0) + 1;
                sink.fail(error);
              },
            });
          },
        };
        const client = createBackendClient(counting);
        const controllers = [countedController()];
        const endlessCancelled: boolean[] = [];
        const outcomes: Promise<string>[] = [];
        const faults: Promise<unknown>[] = [];
        let detached = false;
        for (const op of operations) {
          if (op.kind === 'fetch') {
            const { method, body } = op.request as { path: string; method: string; body?: string };
            const path = op.request.path.replaceAll('ELSEWHERE', elsewhereHost);
            const init: RequestInit & { duplex?: 'half' } = { method };
            if (body === 'stream') Object.assign(init, { body: new Blob(['streamed']).stream(), duplex: 'half' });
            else if (body === 'error') Object.assign(init, { body: erroringBody(), duplex: 'half' });
            else if (body === 'endless') Object.assign(init, { body: endlessBody(endlessCancelled), duplex: 'half' });
            else if (body !== undefined) init.body = body;
            if (op.abortable) init.signal = (controllers.at(-1) as ReturnType<typeof countedController>).controller.signal;
            // a settled fetch still has a body to settle: read it to its end or its error
            outcomes.push(
              client.fetch(path, init).then(
                (response) => response.arrayBuffer().then(
                  () => 'read',
                  () => 'body failed',
                ),
                () => 'rejected',
              ),
            );
          } else if (op.kind === 'raw') {
            outcomes.push(
              new Promise((resolve) => {
                const answer = (outcome: string) => () => resolve(outcome);
                counting.request(
                  { path: op.path.replaceAll('ELSEWHERE', elsewhereHost), method: 'GET', headers: [], hasBody: false },
                  { head: () => {}, chunk: () => {}, end: answer('read'), fail: answer('rejected') },
                );
              }),
            );
          } else if (op.kind === 'abort') {
            (controllers.at(-1) as ReturnType<typeof countedController>).controller.abort();
            controllers.push(countedController());
          } else if (op.kind === 'detach' && !detached) {
            detached = true;
            detach();
          } else if (op.kind === 'execute') {
            outcomes.push(client.execute('echo', 1).then((answer) => (typeof answer.ok === 'boolean' ? 'answered' : 'malformed')));
          } else if (op.kind === 'restart') {
            faults.push(supervisor.restart().catch(() => undefined));
          } else if (op.kind === 'kill') {
            const { pid } = supervisor.getStatus();
            try {
              if (pid !== undefined) process.kill(pid, 'SIGKILL');
            } catch {
              // already gone (killed by an earlier step, or stopping)
            }
          } else if (op.kind === 'wait') {
            await sleep(op.ms);
          }
        }
        const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('never settled'), 20_000));
        const results = await Promise.all(outcomes.map((outcome) => Promise.race([outcome, timeout])));
        expect(results.filter((result) => result === 'never settled' || result === 'malformed')).toEqual([]);
        expect(heardElsewhere).toEqual([]);
        await Promise.all(faults);
        if (!detached) detach();
        await sleep(50);
        expect(terminals.filter((count) => count !== 1)).toEqual([]);
        expect(endlessCancelled.filter((cancelled) => !cancelled)).toEqual([]);
        expect(controllers.map(({ counter }) => counter.listeners)).toEqual(controllers.map(() => 0));
        expect(electron.ipcMain.listeners.listenerCount('backend:fetch')).toBe(0);
        expect(electron.ipcMain.handlers.size).toBe(0);
        expect(electron.app.listenerCount('will-quit')).toBe(0);
        expect(window.webContents.renderer.eventNames()).toEqual([]);
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 240_000);
});
