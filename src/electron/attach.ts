// The main-process wiring behind attachBackendToElectron and attachSystemToElectron.
import type { BackendStatusInfo } from '../../machines/status.js';
import { invalidOption } from '../errors.js';
import { type BackendSupervisor, nextSupervisorId, stopRequestPathOf } from '../supervisor.js';
import type { BackendConnection, ExecuteResult } from './bridge-types.js';
import { IpcChannel } from './channels.js';
import type { ElectronMainApi, InvokeEventLike, MessageEventLike, MessagePortLike } from './electron-like.js';
import { resolveElectronOptions } from './electron-options.js';
import { type ExecuteOptions, executeOnBackend } from './execute.js';
import { createFailureDialog } from './failure-dialog.js';
import { type ProxyOptions, proxyToBackend, refuseOnPort, validateProxyRequest } from './proxy.js';
import type { ProxyError } from './proxy-protocol.js';
import { guardQuit } from './quit-guard.js';
import { createSenderCheck, isTrustedPage, type TrustRule } from './sender-trust.js';

/** Sends `channel` to every window whose page the app trusts: a window that navigated elsewhere hears nothing. */
export function createBroadcast(options: Pick<ElectronBackendOptions, 'BrowserWindow'>, rules: readonly TrustRule[]): (channel: string, payload: unknown) => void {
  return (channel, payload) => {
    for (const window of options.BrowserWindow.getAllWindows()) {
      try {
        if (window.isDestroyed() || window.webContents.isDestroyed()) continue;
        if (!isTrustedPage(rules, window.webContents.getURL())) continue;
        window.webContents.send(channel, payload);
      } catch {
        // a window destroyed between the check and the send: it hears nothing, main goes on
      }
    }
  };
}

/** Options of {@link attachBackendToElectron}. */
export interface ElectronBackendOptions extends ElectronMainApi {
  /**
   * The app's own pages, the only ones that may talk to the backend: `'file://'` (file pages under
   * `app.getAppPath()`), `'file:///path/to/folder/'`, a custom scheme by scheme and host
   * (`'app://bundle'`), or an http(s) origin (`'http://localhost:5173'`). Opaque origins (`null`:
   * `data:`, `about:blank`, sandboxed frames) are never trusted; an entry that can never match a
   * page is refused at attach (`INVALID_OPTIONS`).
   */
  trustedOrigins: readonly string[];
  /** Enables `python:execute` for these commands; off when omitted. */
  execute?: ExecuteOptions;
  /**
   * The main-process proxy the renderer's `createBackendClient(...).fetch` goes through (the page
   * never holds the API key; CORS never applies), with its limits and the routes it forwards. On by
   * default; `false` turns it off.
   */
  proxy?: ProxyOptions | false;
  /** Lets trusted pages call `window.backend.start()/stop()/restart()` (default false: refused). */
  controls?: boolean;
  /**
   * Lets trusted pages have the backend's URL and key (`getConnection()`, `createBackendClient(bridge,
   * { direct: true })`) to call it themselves (default false: the key stays in main, and the
   * proxy's policy is the only way in).
   */
  direct?: boolean;
  /** Longest a quit waits for the backend (or every service of a system) to stop before `app.exit()` (default: the stop plan's grace + 5 s, at least 10 s). */
  quitDeadlineMs?: number;
  /** Show an error dialog when the backend cannot be started (default true). */
  failureDialog?: boolean;
  /** Where refused senders and quit problems are reported (default `console.warn`, control characters shown escaped). */
  log?: (message: string) => void;
}

/** What the page's controls and app quit act on: one supervisor, or a whole system. */
export interface AttachTarget {
  start(): Promise<BackendStatusInfo>;
  stop(): Promise<BackendStatusInfo>;
  restart(): Promise<BackendStatusInfo>;
  /** What quitting stops, and how long that may take at most (grace periods of the stop plan). */
  quit: { stop(): Promise<unknown>; graceMs: number };
  /** More channels answered for the target (a system's), registered with the others, all or none; `forPage` numbers statuses as pages see them. */
  handlers?: (forPage: ForPage) => Record<string, (event: InvokeEventLike) => unknown>;
  /** Whose failures the failure dialog shows (default: the supervisor's); a system's: every service's, by name. */
  failureSources?: { service: string; supervisor: BackendSupervisor }[];
  /** More status subscriptions (a system's services), given the broadcast to trusted windows. */
  subscribe?: (broadcast: (channel: string, payload: unknown) => void, forPage: ForPage) => (() => void)[];
}

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** A status as a page is sent it: numbered by the attachment that sends it (see {@link attachChannels}). */
export type ForPage = (status: BackendStatusInfo) => BackendStatusInfo;

const isPort = (value: unknown): value is MessagePortLike =>
  typeof value === 'object' && value !== null && ['on', 'postMessage', 'start', 'close'].every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

/** Registers every handler or none: a channel another handler holds refuses the whole attach, leaving nothing behind. */
function handleAll(ipcMain: ElectronMainApi['ipcMain'], handlers: [string, Handler][]): () => void {
  const registered: string[] = [];
  const removeAll = () => {
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel);
  };
  for (const [channel, handler] of handlers) {
    try {
      ipcMain.handle(channel, handler);
    } catch (error) {
      removeAll();
      throw invalidOption('ipcMain', '', channel, `it already has a handler for "${channel}" (${(error as Error).message}): detach the earlier attach, or remove the app's own handler, first`);
    }
    registered.push(channel);
  }
  return removeAll;
}

/** The channels for `supervisor`; the page's controls and quitting act on `target` (the supervisor, or its whole system). */
export function attachChannels(supervisor: BackendSupervisor, options: ElectronBackendOptions, target: AttachTarget): () => void {
  const config = resolveElectronOptions(options, stopRequestPathOf(supervisor));
  // a page orders statuses by `supervisor`, then `sequence`: every status it is sent carries this
  // attachment's number, larger than every supervisor and attachment before it, so that a page
  // follows main back to a supervisor created before the one it replaced
  const attachment = nextSupervisorId();
  const forPage: ForPage = (status) => ({ ...status, supervisor: attachment });
  const { log } = config;
  const checkSender = createSenderCheck(options.BrowserWindow, config.rules);
  const { ipcMain } = options;
  const refusedBy = (channel: string, event: InvokeEventLike) => {
    const verdict = checkSender(event);
    if (verdict.trusted) return undefined;
    log(`refused ${channel}: ${verdict.reason}`);
    return `backend-lifecycle: ${channel} refused: ${verdict.reason}`;
  };
  const guarded = (channel: string, answer: Handler): [string, Handler] => [
    channel,
    (event, ...args) => {
      const refusal = refusedBy(channel, event);
      if (refusal) throw new Error(refusal);
      return answer(event, ...args);
    },
  ];
  const control = (name: 'start' | 'stop' | 'restart') => () => {
    if (!config.controls) throw new Error(`backend-lifecycle: ${name}() from the page is off (attachBackendToElectron's controls option)`);
    return target[name]().then(forPage);
  };
  const execute = config.execute;
  let executing = 0;
  const handlers: [string, Handler][] = [
    guarded(IpcChannel.Backend_GetPort, () => supervisor.getPort()),
    guarded(IpcChannel.Backend_GetStatus, () => forPage(supervisor.getStatus())),
    guarded(IpcChannel.Backend_GetConnection, (): BackendConnection => {
      if (!config.direct) throw new Error('backend-lifecycle: the backend\'s key stays in main: getConnection() needs direct: true (attachBackendToElectron\'s direct option); use the proxy');
      const apiKey = supervisor.getApiKey();
      return { baseUrl: supervisor.getBaseUrl(), port: supervisor.getPort(), headers: apiKey ? { 'X-API-Key': apiKey } : {} };
    }),
    // execute() answers, never rejects: a refused sender is an answer too
    [
      IpcChannel.Python_Execute,
      (event, request): ExecuteResult | Promise<ExecuteResult> => {
        const refusal = refusedBy(IpcChannel.Python_Execute, event);
        if (refusal) return { ok: false, error: { code: 'UNTRUSTED_SENDER', message: refusal } };
        if (!execute) return { ok: false, error: { code: 'NOT_ALLOWED', message: 'python:execute is not enabled' } };
        // the same cap as the proxy's: a page cannot open sockets to the backend without bound by either route
        if (executing >= config.maxConcurrent) {
          return { ok: false, error: { code: 'TOO_MANY_REQUESTS', message: `${config.maxConcurrent} python:execute calls are in flight already (proxy.maxConcurrent)` } };
        }
        executing += 1;
        return executeOnBackend(supervisor, execute, request).finally(() => {
          executing -= 1;
        });
      },
    ],
    guarded(IpcChannel.Backend_Start, control('start')),
    guarded(IpcChannel.Backend_Stop, control('stop')),
    guarded(IpcChannel.Backend_Restart, control('restart')),
    ...Object.entries(target.handlers?.(forPage) ?? {}).map(([channel, answer]) => guarded(channel, answer)),
  ];
  const removeHandlers = handleAll(ipcMain, handlers);

  const proxy = config.proxy;
  const inFlight = new Set<(error: ProxyError) => void>();
  const onFetch = (event: MessageEventLike, request: unknown) => {
    const port: unknown = Array.isArray(event?.ports) ? event.ports[0] : undefined;
    if (!isPort(port)) return log(`refused ${IpcChannel.Backend_Fetch}: no MessagePort came with it`);
    const refuse = (error: ProxyError) => refuseOnPort(port, error);
    const refusal = refusedBy(IpcChannel.Backend_Fetch, event);
    if (refusal) return refuse({ code: 'UNTRUSTED_SENDER', message: refusal });
    if (!proxy) return refuse({ code: 'PROXY_DISABLED', message: 'the backend proxy is off (attachBackendToElectron proxy: false)' });
    const valid = validateProxyRequest(request);
    if (typeof valid === 'string') return refuse({ code: 'BAD_REQUEST', message: `backend:fetch ${valid}` });
    if (inFlight.size >= proxy.maxConcurrent) {
      return refuse({ code: 'TOO_MANY_REQUESTS', message: `${proxy.maxConcurrent} proxied requests are in flight already (proxy.maxConcurrent)` });
    }
    // proxyToBackend answers every failure on the port; what is left (a port that throws) is logged, never unhandled
    proxyToBackend({ supervisor, limits: proxy, inFlight }, valid, port).catch((error: unknown) => log(`backend:fetch failed in main: ${(error as Error)?.message ?? String(error)}`));
  };
  ipcMain.on(IpcChannel.Backend_Fetch, onFetch);

  const broadcast = createBroadcast(options, config.rules);
  // a system that cannot start because of a dependency must say so too, not only its primary
  const failureSources = config.failureDialog ? (target.failureSources ?? [{ service: undefined, supervisor }]) : [];
  const unsubscribes = [
    supervisor.subscribe((status) => broadcast(IpcChannel.Backend_StatusChanged, forPage(status))),
    ...failureSources.map(({ service, supervisor: source }) => source.subscribe(createFailureDialog(options.dialog, log, () => source.report(), service))),
    ...(target.subscribe?.(broadcast, forPage) ?? []),
  ];
  const deadline = config.quitDeadlineMs ?? Math.max(10_000, target.quit.graceMs + 5_000);
  const releaseQuit = guardQuit(options.app, target.quit, deadline, log);

  return () => {
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    releaseQuit();
    ipcMain.removeListener(IpcChannel.Backend_Fetch, onFetch);
    removeHandlers();
    // requests in flight end now, each with an answer: a page never waits on a detached proxy
    for (const fail of [...inFlight]) fail({ code: 'PROXY_DISABLED', message: 'the backend proxy was detached (attachBackendToElectron\'s detach())' });
  };
}

/** The supervisor's longest stop: its grace period. */
export const graceOf = (supervisor: BackendSupervisor) => supervisor.actor.getSnapshot().context.graceMs;
