// The main-process wiring behind attachBackendToElectron and attachSystemToElectron.
import type { BackendSupervisor } from '../supervisor.js';
import type { BackendConnection } from './bridge-types.js';
import { IpcChannel } from './channels.js';
import type { ElectronMainApi, InvokeEventLike, MessageEventLike } from './electron-like.js';
import { type ExecuteOptions, executeOnBackend } from './execute.js';
import { createFailureDialog } from './failure-dialog.js';
import { type ProxyOptions, proxyLimits, proxyToBackend, refuseOnPort, validateProxyRequest } from './proxy.js';
import type { ProxyError } from './proxy-protocol.js';
import { guardQuit } from './quit-guard.js';
import { createSenderCheck, frameOrigin } from './sender-trust.js';

/** Sends `channel` to every window whose page the app trusts: a window that navigated elsewhere hears nothing. */
export function createBroadcast(options: Pick<ElectronBackendOptions, 'BrowserWindow' | 'trustedOrigins'>): (channel: string, payload: unknown) => void {
  const trusted = new Set(options.trustedOrigins);
  return (channel, payload) => {
    for (const window of options.BrowserWindow.getAllWindows()) {
      if (window.isDestroyed() || window.webContents.isDestroyed()) continue;
      const origin = frameOrigin(window.webContents.getURL());
      if (origin === undefined || !trusted.has(origin)) continue;
      window.webContents.send(channel, payload);
    }
  };
}

/** Options of {@link attachBackendToElectron}. */
export interface ElectronBackendOptions extends ElectronMainApi {
  /** Origins whose frames may talk to the backend, e.g. `['file://']` or `['http://localhost:5173']`. */
  trustedOrigins: readonly string[];
  /** Enables `python:execute` for these commands; off when omitted. */
  execute?: ExecuteOptions;
  /**
   * The main-process proxy the renderer's `createBackendClient(...).fetch` goes through (the page
   * never holds the API key; CORS never applies). On by default; `false` turns it off.
   */
  proxy?: ProxyOptions | false;
  /** Lets trusted pages call `window.backend.start()/stop()/restart()` (default false: refused). */
  controls?: boolean;
  /** Longest a quit waits for the backend to stop before `app.exit()` (default grace + 5 s, at least 10 s). */
  quitDeadlineMs?: number;
  /** Show an error dialog when the backend cannot be started (default true). */
  failureDialog?: boolean;
  /** Where refused senders and quit problems are reported (default `console.warn`). */
  log?: (message: string) => void;
}

/** The channels for `supervisor`; quitting waits for `quitStops` (the supervisor, or its whole system). */
export function attachWithQuitTarget(supervisor: BackendSupervisor, options: ElectronBackendOptions, quitStops: { stop(): Promise<unknown> }): () => void {
  const log = options.log ?? ((message: string) => console.warn(`[backend-lifecycle] ${message}`));
  const checkSender = createSenderCheck(options.BrowserWindow, options.trustedOrigins);
  const { ipcMain } = options;

  const guarded = <T>(channel: string, answer: (event: InvokeEventLike, ...args: unknown[]) => T) => {
    ipcMain.handle(channel, (event, ...args) => {
      const verdict = checkSender(event);
      if (!verdict.trusted) {
        log(`refused ${channel}: ${verdict.reason}`);
        throw new Error(`backend-lifecycle: ${channel} refused: ${verdict.reason}`);
      }
      return answer(event, ...args);
    });
  };
  guarded(IpcChannel.Backend_GetPort, () => supervisor.getPort());
  guarded(IpcChannel.Backend_GetStatus, () => supervisor.getStatus());
  guarded(IpcChannel.Backend_GetConnection, (): BackendConnection => {
    const apiKey = supervisor.getApiKey();
    return { baseUrl: supervisor.getBaseUrl(), port: supervisor.getPort(), headers: apiKey ? { 'X-API-Key': apiKey } : {} };
  });
  const execute = options.execute;
  guarded(IpcChannel.Python_Execute, (_event, request) =>
    execute ? executeOnBackend(supervisor, execute, request) : { ok: false, error: { code: 'NOT_ALLOWED', message: 'python:execute is not enabled' } },
  );
  const control = (name: 'start' | 'stop' | 'restart') => () => {
    if (!options.controls) throw new Error(`backend-lifecycle: ${name}() from the page is off (attachBackendToElectron's controls option)`);
    return supervisor[name]();
  };
  guarded(IpcChannel.Backend_Start, control('start'));
  guarded(IpcChannel.Backend_Stop, control('stop'));
  guarded(IpcChannel.Backend_Restart, control('restart'));

  const limits = options.proxy === false ? undefined : proxyLimits(options.proxy);
  const onFetch = (event: MessageEventLike, request: unknown) => {
    const [port] = event.ports;
    if (!port) return log(`refused ${IpcChannel.Backend_Fetch}: no MessagePort came with it`);
    const refuse = (error: ProxyError) => refuseOnPort(port, error);
    const verdict = checkSender(event);
    if (!verdict.trusted) {
      log(`refused ${IpcChannel.Backend_Fetch}: ${verdict.reason}`);
      return refuse({ code: 'UNTRUSTED_SENDER', message: `backend-lifecycle: ${IpcChannel.Backend_Fetch} refused: ${verdict.reason}` });
    }
    if (!limits) return refuse({ code: 'PROXY_DISABLED', message: 'the backend proxy is off (attachBackendToElectron proxy: false)' });
    const valid = validateProxyRequest(request);
    if (typeof valid === 'string') return refuse({ code: 'BAD_REQUEST', message: `backend:fetch ${valid}` });
    void proxyToBackend(supervisor, limits, valid, port);
  };
  ipcMain.on(IpcChannel.Backend_Fetch, onFetch);

  const broadcast = createBroadcast(options);
  const showFailure = options.failureDialog === false ? undefined : createFailureDialog(options.dialog, log, () => supervisor.report());
  const unsubscribe = supervisor.subscribe((status) => {
    broadcast(IpcChannel.Backend_StatusChanged, status);
    showFailure?.(status);
  });
  const graceMs = supervisor.actor.getSnapshot().context.graceMs;
  const releaseQuit = guardQuit(options.app, quitStops, options.quitDeadlineMs ?? Math.max(10_000, graceMs + 5_000), log);

  return () => {
    unsubscribe();
    releaseQuit();
    ipcMain.removeListener(IpcChannel.Backend_Fetch, onFetch);
    const handled = [IpcChannel.Backend_GetPort, IpcChannel.Backend_GetStatus, IpcChannel.Backend_GetConnection, IpcChannel.Python_Execute];
    for (const channel of [...handled, IpcChannel.Backend_Start, IpcChannel.Backend_Stop, IpcChannel.Backend_Restart]) {
      ipcMain.removeHandler(channel);
    }
  };
}
