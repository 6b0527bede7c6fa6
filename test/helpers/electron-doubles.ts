import { EventEmitter } from 'node:events';
import type { MessagePort as NodeMessagePort } from 'node:worker_threads';
import type { ElectronMainApi } from '../../src/electron/main.js';
import type { ElectronPreloadApi } from '../../src/electron/preload.js';
import type { InvokeEventLike, MessageEventLike, MessagePortLike } from '../../src/electron/electron-like.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;
type Listener = (event: MessageEventLike, ...args: unknown[]) => void;

/** Electron's MessagePortMain over a real (Node) MessagePort: 'message' listeners get `{ data }`. */
export function mainPort(port: NodeMessagePort): MessagePortLike {
  const wrapper: MessagePortLike = {
    on(event: 'message' | 'close', listener: ((messageEvent: { data: unknown }) => void) | (() => void)) {
      if (event === 'message') port.on('message', (data: unknown) => (listener as (messageEvent: { data: unknown }) => void)({ data }));
      else port.on('close', listener as () => void);
      return wrapper;
    },
    postMessage: (message) => port.postMessage(message),
    start: () => port.start(),
    close: () => port.close(),
  };
  return wrapper;
}

/** In-memory ipcMain: refuses a second handler for a channel, as Electron does. */
export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  readonly listeners = new EventEmitter();
  on(channel: string, listener: Listener): this {
    this.listeners.on(channel, listener);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.listeners.removeListener(channel, listener);
    return this;
  }
  /** What `ipcRenderer.postMessage` does: the message and the transferred ports reach `on` listeners. */
  post(channel: string, event: InvokeEventLike, message: unknown, ports: unknown[] = []): void {
    const withPorts: MessageEventLike = { ...event, ports: ports.map((port) => mainPort(port as NodeMessagePort)) };
    this.listeners.emit(channel, withPorts, message);
  }
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke` does: a rejected promise when the handler throws. */
  async invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export class FakeWebContents {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  readonly renderer = new EventEmitter();
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
    this.renderer.emit(channel, { sender: this }, ...args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The page in the main frame (set by the window; a test may navigate it elsewhere). */
  url = '';
  getURL(): string {
    return this.url;
  }
}

export class FakeWindow {
  readonly webContents = new FakeWebContents();
  constructor(readonly url: string) {
    this.webContents.url = url;
  }
  isDestroyed(): boolean {
    return this.webContents.destroyed;
  }
  destroy(): void {
    this.webContents.destroyed = true;
  }
  /** An invoke event as this window's main frame would send it. */
  event(frameUrl = this.url): InvokeEventLike {
    return { sender: this.webContents, senderFrame: { url: frameUrl } };
  }
}

export class FakeApp extends EventEmitter {
  quitted = false;
  quitAttempts = 0;
  readonly exits: (number | undefined)[] = [];
  /** Electron's order: `before-quit` (preventable), the windows close, `will-quit` (preventable), quit. */
  quit(): void {
    this.quitAttempts += 1;
    for (const stage of ['before-quit', 'will-quit']) {
      let prevented = false;
      this.emit(stage, { preventDefault: () => (prevented = true) });
      if (prevented) return;
    }
    this.quitted = true;
  }
  exit(code?: number): void {
    this.exits.push(code);
  }
}

type SaveDialogOptions = Parameters<NonNullable<ElectronMainApi['dialog']['showSaveDialog']>>[0];

export class FakeDialog {
  readonly shown: Parameters<ElectronMainApi['dialog']['showMessageBox']>[0][] = [];
  readonly saveAsked: SaveDialogOptions[] = [];
  /** The button the user clicks in the message box (its index). */
  response = 0;
  /** The file the user picks in the save dialog; undefined: cancelled. */
  saveTo: string | undefined;
  async showMessageBox(options: Parameters<ElectronMainApi['dialog']['showMessageBox']>[0]): Promise<{ response: number }> {
    this.shown.push(options);
    return { response: this.response };
  }
  async showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }> {
    this.saveAsked.push(options);
    return this.saveTo === undefined ? { canceled: true } : { canceled: false, filePath: this.saveTo };
  }
}

/** A complete set of doubles, each checked against the shapes Electron's real objects are proven to fit. */
export function electronDoubles() {
  const windows: FakeWindow[] = [];
  const ipcMain = new FakeIpcMain() satisfies ElectronMainApi['ipcMain'];
  const app = new FakeApp() satisfies ElectronMainApi['app'];
  const dialog = new FakeDialog() satisfies ElectronMainApi['dialog'];
  const BrowserWindow = {
    getAllWindows: () => [...windows],
    fromWebContents: (contents: unknown) => windows.find((w) => w.webContents === contents) ?? null,
  } satisfies ElectronMainApi['BrowserWindow'];
  const openWindow = (url = 'file:///app/index.html') => {
    const window = new FakeWindow(url);
    windows.push(window);
    return window;
  };
  /** ipcRenderer as the preload of `window` sees it. */
  const rendererOf = (window: FakeWindow) =>
    ({
      invoke: (channel: string, ...args: unknown[]) => ipcMain.invoke(channel, window.event(), ...args),
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => window.webContents.renderer.on(channel, listener),
      removeListener: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => window.webContents.renderer.removeListener(channel, listener),
      postMessage: (channel: string, message: unknown, transfer?: unknown[]) => ipcMain.post(channel, window.event(), message, transfer),
    }) satisfies ElectronPreloadApi['ipcRenderer'];
  return { ipcMain, app, dialog, BrowserWindow, windows, openWindow, rendererOf };
}
