// A trusted page of an Electron app (the doubles) whose main process proxies a real backend that has a stop request.
import { attachBackendToElectron, type ElectronBackendOptions } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { type BackendProxyError, createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from './electron-doubles.js';
import { supervise } from './supervisor.js';

/** Attach options a test may add or override (the Electron objects come from the doubles). */
export type PageOptions = Partial<Omit<ElectronBackendOptions, 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain'>>;

/** The doubles, a supervised `proxy-backend.mjs` attached to them, one open window and its bridge and client. */
export function pageWithBackend(extra: PageOptions = {}) {
  const electron = electronDoubles();
  const run = supervise('proxy-backend.mjs', { shutdown: { graceMs: 1_000, request: { path: '/api/shutdown' } } });
  const logs: string[] = [];
  const detach = attachBackendToElectron(run.supervisor, { ...electron, trustedOrigins: ['file://'], log: (line) => logs.push(line), ...extra });
  const window = electron.openWindow();
  const bridge = createBackendBridge(electron.rendererOf(window));
  const client = createBackendClient(bridge);
  return { ...electron, ...run, window, bridge, client, logs, detach };
}

/** A proxied fetch's outcome as one line: `<status> <body>`, or `<code>: <message>`. */
export const proxyOutcome = (promise: Promise<Response>) =>
  promise.then(
    async (response) => `${response.status} ${await response.text()}`,
    (error: BackendProxyError) => `${error.code}: ${error.message}`,
  );
