import type { App, BrowserWindow, Dialog, IpcMain } from 'electron';

/** The sender of an `ipcMain.handle` call, as far as we look at it. */
export interface InvokeEventLike {
  sender: WebContentsLike;
  /**
   * Electron's `WebFrameMain`: `url`, and `origin` as Chromium serialises it ("null" for opaque
   * and sandboxed frames). Reading either throws once Electron disposed the frame.
   */
  senderFrame: { readonly url: string; readonly origin?: string } | null;
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  /** The URL of the page in the main frame: status pushes go only to trusted pages. */
  getURL(): string;
}

/** Electron's MessagePortMain, as far as the proxy uses it. */
export interface MessagePortLike {
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** An `ipcMain.on` event (what `ipcRenderer.postMessage` sends): the sender, and the ports it transferred. */
export interface MessageEventLike extends InvokeEventLike {
  ports: MessagePortLike[];
}

type QuitListener = (event: { preventDefault(): void }) => void;

export interface WindowLike {
  isDestroyed(): boolean;
  webContents: WebContentsLike;
}

/** The parts of Electron's main-process API the adapter uses: pass Electron's own objects. */
export interface ElectronMainApi {
  ipcMain: {
    handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
    on(channel: string, listener: (event: MessageEventLike, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: MessageEventLike, ...args: unknown[]) => void): unknown;
  };
  app: {
    on(event: 'will-quit', listener: QuitListener): unknown;
    removeListener(event: 'will-quit', listener: QuitListener): unknown;
    quit(): void;
    exit(exitCode?: number): void;
    /** The app's folder: `trustedOrigins: ['file://']` trusts the file pages under it, and no other file. */
    getAppPath(): string;
  };
  BrowserWindow: { getAllWindows(): WindowLike[]; fromWebContents(webContents: WebContentsLike): WindowLike | null };
  dialog: {
    showMessageBox(options: { type: 'error'; title: string; message: string; detail: string; buttons: string[] }): Promise<unknown>;
    /** Asks where to save the failure report ("Save report…" in the failure dialog). */
    showSaveDialog?(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
  };
}

/** `true` when `Actual` can be passed where `Expected` is asked for; fails to compile otherwise. */
export type AssertFits<Actual, Expected> = [Actual] extends [Expected] ? true : { error: 'Electron object does not fit'; actual: Actual };
type Assert<T extends true> = T;
// Compile-time proof that Electron's real objects fit these shapes (checked against electron's .d.ts).
export type ElectronMainObjectsFit = [
  Assert<AssertFits<IpcMain, ElectronMainApi['ipcMain']>>,
  Assert<AssertFits<App, ElectronMainApi['app']>>,
  Assert<AssertFits<typeof BrowserWindow, ElectronMainApi['BrowserWindow']>>,
  Assert<AssertFits<Dialog, ElectronMainApi['dialog']>>,
];
