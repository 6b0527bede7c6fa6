import type { App, BrowserWindow, Dialog, IpcMain } from 'electron';

/** The sender of an `ipcMain.handle` call, as far as we look at it. */
export interface InvokeEventLike {
  sender: WebContentsLike;
  senderFrame: { url: string } | null;
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface WindowLike {
  isDestroyed(): boolean;
  webContents: WebContentsLike;
}

/** The parts of Electron's main-process API the adapter uses: pass Electron's own objects. */
export interface ElectronMainApi {
  ipcMain: { handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void; removeHandler(channel: string): void };
  app: {
    on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
    removeListener(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
    quit(): void;
    exit(exitCode?: number): void;
  };
  BrowserWindow: { getAllWindows(): WindowLike[]; fromWebContents(webContents: WebContentsLike): WindowLike | null };
  dialog: { showMessageBox(options: { type: 'error'; title: string; message: string; detail: string; buttons: string[] }): Promise<unknown> };
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
