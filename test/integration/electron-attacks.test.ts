// A fresh-eyed review of issue 19's Electron surface: each test here failed on the code it fixes.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { attachBackendToElectron, attachSystemToElectron, } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import type { ProxyError } from '../../src/electron/proxy-protocol.js';
import { serviceStatusesLogic, statusStoreLogic } from '../../src/react/status-store.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { createBackendSystem } from '../../src/index.js';
import { markerEnv, portRange, stopAfterTest, supervise, tempDir, testOptions } from '../helpers/supervisor.js';
import { type PageOptions, pageWithBackend, proxyOutcome } from '../helpers/electron-page.js';

type Extra = PageOptions;
const setup = pageWithBackend;
const outcome = proxyOutcome;

/** A server on another port of this machine that records the headers it is sent: where a leaked key would land. */
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
async function listeningElsewhere(): Promise<{ port: number; heard: IncomingHttpHeaders[] }> {
  const heard: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    heard.push(req.headers);
    res.end('stolen');
  });
  const { base } = portRange(1);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(base, '127.0.0.1', resolve);
  });
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: base, heard };
}

/** One raw request on the bridge, as a hostile page can send it (window.backend.request), answered as text. */
function rawRequest(bridge: ReturnType<typeof createBackendBridge>, path: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    let status = 0;
    bridge.request(
      { path, method: 'GET', headers: [], hasBody: false },
      {
        head: (code) => (status = code),
        chunk: (data) => (text += Buffer.from(data).toString()),
        end: () => resolve(`${status} ${text}`),
        fail: (error: ProxyError) => resolve(`${error.code}: ${error.message}`),
      },
    );
  });
}

describe('the proxy never sends the key to another origin, whatever the path', () => {
  it('a tab or a backslash in the path cannot turn it into a protocol-relative URL', async () => {
    const { supervisor, client, bridge } = setup();
    await supervisor.start();
    const elsewhere = await listeningElsewhere();
    const host = `127.0.0.1:${elsewhere.port}`;
    const answers = [
      await outcome(client.fetch(`/\t/${host}/x`)),
      await rawRequest(bridge, `/\\${host}/x`),
      await rawRequest(bridge, `/\t\\${host}/x`),
    ];
    expect(elsewhere.heard).toEqual([]);
    for (const answer of answers) expect(answer).toMatch(/^BAD_REQUEST: /);
  });
});

describe("a system's keys reach no page: a service that prints what it depends on is redacted too", () => {
  /** db ← api: api gets db's key (BACKEND_DB_API_KEY) and is careless with it. */
  function system(apiScript: string, env: Record<string, string>) {
    const dir = tempDir('electron-keys');
    const services = {
      db: testOptions('healthy.mjs', dir),
      api: { ...testOptions(apiScript, dir), dependsOn: ['db'], env: { ...markerEnv, ...env } },
    };
    const backends = createBackendSystem({ services });
    stopAfterTest(backends);
    const electron = electronDoubles();
    attachSystemToElectron(backends, { ...electron, trustedOrigins: ['file://'], primary: 'api', log: () => {} });
    const window = electron.openWindow();
    const dbKey = () => backends.service('db').getApiKey() as string;
    return { backends, electron, window, dbKey };
  }

  it('a STATUS= line naming the dependency\'s key', async () => {
    const { backends, window, dbKey } = system('proxy-backend.mjs', { FIXTURE_LEAK_KEY: 'BACKEND_DB_API_KEY' });
    await backends.start();
    const sent = JSON.stringify(window.webContents.sent);
    expect(sent).toContain('connecting with key [REDACTED]');
    expect(sent).not.toContain(dbKey());
  });

  it("a crash whose last words are the dependency's key: statuses, the dialog and start()'s rejection", async () => {
    const { backends, electron, window, dbKey } = system('leaks-secrets.mjs', { FIXTURE_LEAK: 'BACKEND_DB_API_KEY' });
    const rejection = await backends.start().then(
      () => 'started',
      (error: unknown) => JSON.stringify({ message: (error as Error).message, ...(error as object) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rejection).toContain('fatal: cannot connect with [REDACTED]');
    expect(electron.dialog.shown.length).toBe(1);
    for (const text of [rejection, JSON.stringify(window.webContents.sent), JSON.stringify(electron.dialog.shown), JSON.stringify(backends.getStatus())]) {
      expect(text).not.toContain(dbKey());
    }
  });
});

describe("a backend's own secret environment", () => {
  it('a secret-named variable the app sets between two launches is redacted from the next launch\'s statuses', async () => {
    const name = 'BL_TEST_LATE_TOKEN';
    const value = 'late-secret-0123456789';
    const { supervisor, statuses } = supervise('proxy-backend.mjs', { env: { FIXTURE_LEAK_KEY: name } });
    try {
      await supervisor.start();
      process.env[name] = value;
      await supervisor.restart();
    } finally {
      delete process.env[name];
    }
    const sent = JSON.stringify(statuses);
    expect(sent).toContain('connecting with key [REDACTED]');
    expect(sent).not.toContain(value);
  });

  it('a secret-named value is redacted from what a window and the dialog show; a short one ("false") is left alone', async () => {
    const token = 'hf_0123456789abcdefghij';
    const run = (leak: string) => {
      const electron = electronDoubles();
      const { supervisor } = supervise('leaks-secrets.mjs', { env: { HF_TOKEN: token, TOKENIZERS_PARALLELISM: 'false', FIXTURE_LEAK: leak } });
      attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'], log: () => {} });
      electron.openWindow();
      return { electron, supervisor };
    };
    const secret = run('HF_TOKEN');
    const message = await secret.supervisor.start().then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(message).toContain('last output: fatal: cannot connect with [REDACTED]');
    expect(JSON.stringify([secret.electron.windows[0]?.webContents.sent, secret.electron.dialog.shown, secret.supervisor.getStatus()])).not.toContain(token);
    const short = run('TOKENIZERS_PARALLELISM');
    expect(await short.supervisor.start().catch((error: Error) => error.message)).toContain('last output: fatal: cannot connect with false');
  });
});

describe('a supervisor swap in main, as the page (and its React provider) sees it', () => {
  it('back to a supervisor created earlier: the page follows the one attached now', async () => {
    const electron = electronDoubles();
    const first = supervise('healthy.mjs').supervisor;
    const second = supervise('healthy.mjs').supervisor;
    const bridge = createBackendBridge(electron.rendererOf(electron.openWindow()));
    // the provider's own store, fed as BackendProvider feeds it
    const store = createActor(statusStoreLogic).start();
    bridge.onStatusChanged((status) => store.send({ type: 'status.received', status }));
    const options = { ...electron, trustedOrigins: ['file://'], log: () => {} };
    // e.g. an app that switches between a local and a bundled backend and keeps both supervisors
    let detach = attachBackendToElectron(second, options);
    await second.start();
    await second.stop();
    expect(store.getSnapshot().context?.status).toBe('stopped');
    detach();
    detach = attachBackendToElectron(first, options);
    const { port } = await first.start();
    store.send({ type: 'status.received', status: await bridge.getStatus() });
    expect(store.getSnapshot().context).toMatchObject({ status: 'running', port });
    detach();
  });

  it("a system's services too", async () => {
    const dir = tempDir('electron-swap');
    const make = () => createBackendSystem({ services: { api: testOptions('healthy.mjs', dir) } });
    const [first, second] = [make(), make()];
    stopAfterTest(first);
    stopAfterTest(second);
    const electron = electronDoubles();
    const bridge = createBackendBridge(electron.rendererOf(electron.openWindow()));
    const services = createActor(serviceStatusesLogic).start();
    bridge.onServiceStatusChanged((service, status) => services.send({ type: 'service.received', service, status }));
    const options = { ...electron, trustedOrigins: ['file://'], primary: 'api', log: () => {} };
    let detach = attachSystemToElectron(second, options);
    await second.start();
    await second.stop();
    detach();
    detach = attachSystemToElectron(first, options);
    await first.start();
    for (const [service, status] of Object.entries((await bridge.getSystemStatus()).services)) services.send({ type: 'service.received', service, status });
    expect(services.getSnapshot().context.api).toMatchObject({ status: 'running', port: first.service('api').getPort() });
    detach();
  });
});

describe('a request body is read only while its request lives', () => {
  /** An endless upload (a microphone, a live log): counts how often the client pulls from it, and whether it was cancelled. */
  function endlessBody() {
    const seen = { pulls: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        seen.pulls += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        controller.enqueue(new Uint8Array(1024));
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return { stream, seen };
  }
  const pullsStop = async (seen: { pulls: number }) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = seen.pulls;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return seen.pulls - before;
  };

  it('main refuses it (too large): the page stops reading the stream and cancels it', async () => {
    const { supervisor, client } = setup({ proxy: { maxRequestBytes: 64 * 1024 } });
    await supervisor.start();
    const { stream, seen } = endlessBody();
    expect(await outcome(client.fetch('/api/echo', { method: 'POST', body: stream, duplex: 'half' } as RequestInit))).toMatch(/^PAYLOAD_TOO_LARGE/);
    expect(await pullsStop(seen)).toBe(0);
    expect(seen.cancelled).toBe(true);
  });

  it('the page aborts it: the same', async () => {
    const { supervisor, client } = setup();
    await supervisor.start();
    const { stream, seen } = endlessBody();
    const controller = new AbortController();
    const pending = outcome(client.fetch('/api/echo', { method: 'POST', body: stream, duplex: 'half', signal: controller.signal } as RequestInit));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await pending).toMatch(/abort/i);
    expect(await pullsStop(seen)).toBe(0);
    expect(seen.cancelled).toBe(true);
  });
});

describe('a careless app developer', () => {
  it('a misspelt proxy or execute option is refused at attach, not ignored (proxy.alow would forward every path)', async () => {
    const { supervisor } = supervise('proxy-backend.mjs');
    const electron = electronDoubles();
    const attach = (extra: Extra) => () => attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'], log: () => {}, ...extra });
    expect(attach({ proxy: { alow: [{ path: '/api/items/*' }] } as never })).toThrow(/^Unknown option "proxy.alow": the known options are "proxy.headersTimeoutMs", /);
    expect(attach({ execute: { commands: ['echo'], timeout: 5 } as never })).toThrow(/^Unknown option "execute.timeout"/);
    // 'method' for 'methods' would allow every method on the route
    expect(attach({ proxy: { allow: [{ path: '/api/items/*', method: ['GET'] }] } as never })).toThrow(/^Unknown option "proxy.allow\[0\].method"/);
    expect(attach({ failureDialog: 'no' as never })).toThrow('Invalid option "failureDialog": expected true or false, got "no"');
    expect(electron.ipcMain.handlers.size).toBe(0);
  });
});

describe('the failure dialog of a system', () => {
  it("a dependency that cannot start shows the dialog, naming the service, with its hint and its own report", async () => {
    const dir = tempDir('electron-dialog');
    const services = { db: testOptions('crash-on-start.mjs', dir), api: { ...testOptions('healthy.mjs', dir), dependsOn: ['db'] } };
    const backends = createBackendSystem({ services });
    stopAfterTest(backends);
    const electron = electronDoubles();
    electron.dialog.response = 1; // "Save report…"
    const reportFile = `${dir}/report.json`;
    electron.dialog.saveTo = reportFile;
    const logs: string[] = [];
    attachSystemToElectron(backends, { ...electron, trustedOrigins: ['file://'], primary: 'api', log: (line) => logs.push(line) });
    await expect(backends.start()).rejects.toThrow('Service "db": Backend server crashed during startup');
    // the report is written once the user chose where: wait for the log line that says so
    for (let waited = 0; !logs.includes(`report saved to ${reportFile}`) && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(electron.dialog.shown).toHaveLength(1);
    expect(electron.dialog.shown[0]).toMatchObject({ title: 'Backend service "db" failed to start', message: expect.stringContaining('No module named fastapi') });
    expect(electron.dialog.shown[0]?.detail).toContain('Error code: CRASHED_DURING_STARTUP');
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toMatchObject({ options: { name: 'db' } });
  });
});
