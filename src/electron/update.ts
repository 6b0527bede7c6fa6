import { invalidOption } from '../errors.js';
import type { ElectronMainApi } from './electron-like.js';
import { warnOnConsole } from './console-log.js';

/** What the update gate stops and brings back: a supervisor, or a whole system. */
export interface UpdateTarget {
  stop(): Promise<unknown>;
  start(): Promise<unknown>;
}

/** Options of {@link installUpdateAfterStop}. */
export interface UpdateGateOptions {
  /** Electron's `app`: an install that does not quit the app within `quitWithinMs` brings the backend back. */
  app?: Pick<ElectronMainApi['app'], 'on' | 'removeListener'>;
  /** How long after `install()` the app must begin to quit (`will-quit`) before the update counts as abandoned (default 15 000 ms). */
  quitWithinMs?: number;
  /** Where a failed restart of the backend is reported (default `console.warn`, control characters shown escaped). */
  log?: (message: string) => void;
}

/**
 * Stops the backend, then runs the updater's install. electron-updater's `quitAndInstall()`
 * starts the installer at once, while the app is still quitting: a backend that still holds its
 * files then makes the installer fail (electron-builder#8026). Rejects (and installs nothing) when
 * the backend could not be stopped (`STOP_FAILED`). Every failed or abandoned update brings the
 * backend back: when `install` throws (the backend is started again, then the error is rethrown),
 * and, given `app`, when the app does not begin to quit within `quitWithinMs` (electron-updater
 * returns without quitting when it has no update file).
 *
 * @example
 * import { autoUpdater } from 'electron-updater';
 * autoUpdater.on('update-downloaded', () => void installUpdateAfterStop(backend, () => autoUpdater.quitAndInstall(), { app }));
 */
export async function installUpdateAfterStop(target: UpdateTarget, install: () => unknown, options: UpdateGateOptions = {}): Promise<void> {
  if (options.quitWithinMs !== undefined && (!Number.isSafeInteger(options.quitWithinMs) || options.quitWithinMs < 1)) {
    throw invalidOption('quitWithinMs', 'a positive whole number of milliseconds', options.quitWithinMs);
  }
  const log = options.log ?? warnOnConsole;
  const bringBack = (why: string) =>
    target.start().then(
      () => undefined,
      (error: unknown) => log(`the update ${why}; starting the backend again failed: ${(error as Error)?.message ?? String(error)}`),
    );
  await target.stop();
  const { app } = options;
  let quitting = false;
  // listening before install(): an installer may quit the app while install() still runs
  const onWillQuit = () => {
    quitting = true;
  };
  app?.on('will-quit', onWillQuit);
  try {
    await install();
  } catch (error) {
    app?.removeListener('will-quit', onWillQuit);
    await bringBack('failed');
    throw error;
  }
  if (!app) return;
  const quitWithinMs = options.quitWithinMs ?? 15_000;
  const timer = setTimeout(() => {
    app.removeListener('will-quit', onWillQuit);
    if (!quitting) void bringBack(`did not quit the app within ${quitWithinMs} ms`);
  }, quitWithinMs);
  timer.unref?.();
}
