// Issue 19, items 1, 2 and 8: one policy for what a page may do, on every route (proxy, bridge,
// execute); origins that mean "this app's own pages"; an attach that is all or nothing.
import { describe, expect, it } from 'vitest';
import { attachBackendToElectron, } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { supervise } from '../helpers/supervisor.js';
import { type PageOptions, pageWithBackend, proxyOutcome } from '../helpers/electron-page.js';

type Extra = PageOptions;
const setup = pageWithBackend;
const outcome = proxyOutcome;

describe('one policy for what a page may do (proxy, bridge and execute alike)', () => {
  it("the proxy never forwards python:execute's path: a page cannot run a command execute() refuses", async () => {
    const { supervisor, client } = setup({ execute: { commands: ['echo'] } });
    await supervisor.start();
    expect((await client.execute('delete-everything')).ok).toBe(false);
    const direct = await outcome(client.fetch('/api/execute', { method: 'POST', body: '{"command":"delete-everything"}' }));
    expect(direct).toMatch(/^NOT_ALLOWED: POST \/api\/execute is not forwarded: it is python:execute's path/);
    // every spelling a backend routes the same way is the same path
    for (const path of ['/api/%65xecute', '/API/Execute', '/api//execute', '/api/./execute', '/api/x/../execute', '/api/execute/', '/api/execute?x=1']) {
      expect(await outcome(client.fetch(path, { method: 'POST', body: '{}' })), path).toMatch(/^NOT_ALLOWED/);
    }
    expect(await outcome(client.fetch('/api/%2e%2e/api/execute'))).toMatch(/^NOT_ALLOWED/);
    expect(await outcome(client.fetch('/api/a%2Fb'))).toMatch(/^NOT_ALLOWED: .* is not a plain path/);
    // a same-origin redirect to it is checked too
    expect(await outcome(client.fetch('/api/to-execute', { method: 'POST', body: '{}' }))).toMatch(/^NOT_ALLOWED: POST \/api\/execute/);
  });

  it('with controls off, a page cannot stop the backend through its stop-request path', async () => {
    const { supervisor, client, bridge, dialog } = setup();
    const { pid } = await supervisor.start();
    await expect(bridge.stop()).rejects.toThrow("stop() from the page is off (attachBackendToElectron's controls option)");
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await outcome(client.fetch('/api/shutdown', { method: 'POST' }))).toMatch(/^NOT_ALLOWED: POST \/api\/shutdown is not forwarded: it is the backend's stop request/);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.getStatus()).toMatchObject({ status: 'running', pid, restarts: 0 });
    expect(dialog.shown).toEqual([]);
  });

  it('redirects cannot carry a page past the policy, nor the key off the backend', async () => {
    const { supervisor, client } = setup();
    const { port } = await supervisor.start();
    const redirect = (to: string, status = 307) => `/api/redirect?status=${status}&to=${encodeURIComponent(to)}`;
    expect(await outcome(client.fetch(redirect('/api/shutdown', 308), { method: 'POST' }))).toMatch(/^NOT_ALLOWED: POST \/api\/shutdown/);
    expect(await outcome(client.fetch(redirect('/api/shutdown', 302), { method: 'POST' }))).toMatch(/^NOT_ALLOWED: GET \/api\/shutdown/);
    expect(await outcome(client.fetch(redirect(redirect('/api/execute'))))).toMatch(/^NOT_ALLOWED: GET \/api\/execute/);
    for (const elsewhere of [`http://127.0.0.1:${port}@evil.example/x`, '//evil.example/x', '\\\\evil.example/x']) {
      expect(await outcome(client.fetch(redirect(elsewhere))), elsewhere).toMatch(/^BACKEND_ERROR: the backend redirected to http:\/\/evil.example, another origin: not followed/);
    }
    expect(await outcome(client.fetch(redirect('/api/echo', 303), { method: 'POST', body: 'x' }))).toMatch(/^201 \{"method":"GET"/);
    expect(await outcome(client.fetch(redirect(redirect(redirect(redirect(redirect(redirect('/api/echo'))))))))).toBe('BACKEND_ERROR: the backend redirected more than 5 times');
    // the page's own X-API-Key never reaches the backend: main's does
    const headers = (await (await client.fetch('/api/headers', { headers: { 'X-API-Key': 'forged', host: 'evil.example' } })).json()) as Record<string, string>;
    expect([headers['x-api-key'], headers.host]).toEqual([supervisor.getApiKey(), `127.0.0.1:${port}`]);
    expect(supervisor.getStatus().status).toBe('running');
  });

  it('proxy.allow is the list of routes a page may reach; reserved paths pass only when named exactly', async () => {
    const { supervisor, client } = setup({ proxy: { allow: [{ path: '/api/echo', methods: ['POST'] }, { path: '/api/items/*' }, { path: '/api/execute', methods: ['POST'] }] } });
    await supervisor.start();
    expect(await outcome(client.fetch('/api/echo', { method: 'POST', body: 'x' }))).toMatch(/^201 /);
    expect(await outcome(client.fetch('/api/echo'))).toBe('NOT_ALLOWED: GET /api/echo is not on the proxy\'s allow list');
    expect(await outcome(client.fetch('/api/big'))).toMatch(/^NOT_ALLOWED/);
    expect(await outcome(client.fetch('/api/execute', { method: 'POST' }))).toBe('200 executed POST');
    expect(() => attachBackendToElectron(supervisor, { ...electronDoubles(), trustedOrigins: ['file://'], proxy: { allow: [{ path: 'api' }] } })).toThrow(
      'Invalid option "proxy.allow[0].path": expected a path starting with \'/\', e.g. \'/api/items\' or \'/api/*\', got "api"',
    );
  });

  it('getConnection() hands the key to a page only where the app opted into direct mode', async () => {
    const closed = setup();
    await expect(closed.bridge.getConnection()).rejects.toThrow("getConnection() needs direct: true (attachBackendToElectron's direct option)");
    const open = setup({ direct: true });
    await open.supervisor.start();
    expect((await open.bridge.getConnection()).headers['X-API-Key']).toBe(open.supervisor.getApiKey());
  });
});

describe("origins: trust means this app's own pages", () => {
  const attach = (trustedOrigins: string[]) => {
    const electron = electronDoubles();
    const run = supervise('healthy.mjs');
    attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins, log: () => {} });
    const answers = (url: string, origin?: string) =>
      electron.ipcMain.invoke('backend:get-port', electron.openWindow(url).event(url, origin)).then(
        () => 'trusted',
        () => 'refused',
      );
    return answers;
  };

  it('a custom scheme is trusted by scheme and host; opaque origins never', async () => {
    const answers = attach(['app://bundle']);
    expect(await answers('app://bundle/index.html')).toBe('trusted');
    expect(await answers('APP://Bundle/deep/page.html')).toBe('trusted');
    expect(await answers('app://other/index.html')).toBe('refused');
    expect(await answers('data:text/html,<script>steal()</script>')).toBe('refused');
    expect(await answers('about:blank')).toBe('refused');
    // a sandboxed iframe keeps its URL but Chromium gives it the origin "null"
    expect(await answers('app://bundle/index.html', 'null')).toBe('refused');
  });

  it("'file://' means file pages under the app's folder, never any file on the disk or a network share", async () => {
    const answers = attach(['file://']);
    expect(await answers('file:///app/index.html')).toBe('trusted');
    expect(await answers('file:///app/pages/settings.html')).toBe('trusted');
    expect(await answers('file:///home/user/Downloads/attachment.html')).toBe('refused');
    expect(await answers('file:///app-evil/index.html')).toBe('refused');
    expect(await answers('file:///app/../etc/index.html')).toBe('refused');
    expect(await answers('file://fileserver/share/index.html')).toBe('refused');
  });

  it('what the app writes is normalised, and what can never match is refused at attach', async () => {
    const answers = attach(['http://LOCALHOST:5173/', 'https://example.com:443']);
    expect(await answers('http://localhost:5173/index.html')).toBe('trusted');
    expect(await answers('https://example.com/app')).toBe('trusted');
    const refused = (trustedOrigins: unknown) => () => attachBackendToElectron(supervise('healthy.mjs').supervisor, { ...electronDoubles(), trustedOrigins: trustedOrigins as string[] });
    expect(refused(['null'])).toThrow('Invalid option "trustedOrigins[0]"');
    expect(refused(['data:'])).toThrow('is an opaque origin');
    expect(refused(['http://localhost:5173/app'])).toThrow('has a path, query or credentials, which an origin never has: write "http://localhost:5173"');
    expect(refused(['*'])).toThrow('is not an origin');
    expect(refused(['file://server/share/'])).toThrow('names a network share');
    expect(refused([])).toThrow('Invalid option "trustedOrigins": expected a non-empty array of origins');
  });

  it('a frame Electron already disposed (its url throws) is refused, not a crash in main', async () => {
    const { ipcMain, openWindow, logs } = setup();
    const event = openWindow().event();
    (event.senderFrame as unknown as { disposed: boolean }).disposed = true;
    await expect(ipcMain.invoke('backend:get-status', event)).rejects.toThrow('the sending frame is gone');
    expect(logs).toEqual(['refused backend:get-status: the sending frame is gone']);
  });
});

describe('attach is atomic and honest', () => {
  it('an ipcMain that already handles one channel refuses the whole attach and keeps nothing; a retry after removing it works', () => {
    const { supervisor } = supervise('healthy.mjs');
    const electron = electronDoubles();
    electron.ipcMain.handle('python:execute', () => 'the app\'s own');
    const attach = () => attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'] });
    expect(attach).toThrow('Invalid option "ipcMain": it already has a handler for "python:execute"');
    expect([...electron.ipcMain.handlers.keys()]).toEqual(['python:execute']);
    expect(electron.ipcMain.listeners.listenerCount('backend:fetch')).toBe(0);
    expect(electron.app.listenerCount('will-quit')).toBe(0);
    electron.ipcMain.removeHandler('python:execute');
    const detach = attach();
    expect(electron.ipcMain.handlers.size).toBe(7);
    detach();
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('bad options are refused before anything is registered, naming the option', () => {
    const { supervisor } = supervise('healthy.mjs');
    const electron = electronDoubles();
    const attach = (extra: Extra) => () => attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'], ...extra });
    expect(attach({ proxy: { headersTimeoutMs: -1 } })).toThrow('Invalid option "proxy.headersTimeoutMs": expected a positive whole number of milliseconds, got -1');
    expect(attach({ proxy: { maxConcurrent: 0 } })).toThrow('Invalid option "proxy.maxConcurrent"');
    expect(attach({ quitDeadlineMs: Number.NaN })).toThrow('Invalid option "quitDeadlineMs"');
    expect(attach({ execute: { commands: 'echo' as unknown as string[] } })).toThrow('Invalid option "execute.commands"');
    expect(attach({ controls: 'yes' as unknown as boolean })).toThrow('Invalid option "controls": expected true or false, got "yes"');
    expect(electron.ipcMain.handlers.size).toBe(0);
    expect(electron.app.listenerCount('will-quit')).toBe(0);
  });

  it('execute() never rejects: an untrusted sender and a detached main are answers', async () => {
    const { openWindow, rendererOf, bridge, detach } = setup({ execute: { commands: ['echo'] } });
    const stranger = createBackendBridge(rendererOf(openWindow('https://evil.example/')));
    expect(await stranger.execute('echo')).toEqual({ ok: false, error: { code: 'UNTRUSTED_SENDER', message: 'backend-lifecycle: python:execute refused: origin https://evil.example is not trusted' } });
    detach();
    expect(await bridge.execute('echo')).toMatchObject({ ok: false, error: { code: 'BACKEND_ERROR' } });
  });
});
