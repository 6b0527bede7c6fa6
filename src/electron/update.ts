import { stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { type FolderHolder, folderHolders } from '../diagnose/folder-holders.js';
import { BackendError, invalidOption } from '../errors.js';
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
  /**
   * The folder the installer replaces. Before `install()` runs, no process of the app (the backend's
   * tree, anything started below the app or by a supervisor, any program from this folder) may still
   * hold a file under it: a Windows installer fails on a locked image. Default inside Electron: the
   * folder of the app's executable (on macOS its `.app` bundle); outside Electron: no check. `false`
   * turns the check off. An absolute path to an existing folder: anything else is refused
   * (`INVALID_OPTIONS`) before the backend is stopped.
   */
  appFolder?: string | false;
  /** How long the folder's holders may take to let go after the stop (default 5 000 ms; handles close a moment after a process ends). */
  releaseWithinMs?: number;
}

/** The folder an installer of this Electron app replaces; undefined outside Electron. */
function defaultAppFolder(): string | undefined {
  if (!process.versions.electron) return undefined;
  const bundle = process.platform === 'darwin' ? /^(.*?\.app)\//.exec(process.execPath)?.[1] : undefined;
  return bundle ?? dirname(process.execPath);
}

/**
 * The folder must be there and named absolutely before anything is stopped: a typo or a path relative to
 * the app's working directory would otherwise make the proof fail as "cannot list processes", and the install run unchecked.
 */
async function checkAppFolder(folder: string): Promise<void> {
  if (!isAbsolute(folder)) throw invalidOption('appFolder', 'an absolute path (the folder the installer replaces), or false', folder);
  const found = await stat(folder).catch((error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
  if (typeof found === 'string' || !found.isDirectory()) {
    const why = typeof found === 'string' ? found : 'not a directory';
    throw invalidOption('appFolder', '', folder, `${folder} is not a folder (${why}); name the folder the installer replaces, or false`);
  }
}

/** Waits until nothing of the app holds a file under `folder`; the holders still there when time is up. */
async function waitForRelease(folder: string, withinMs: number): Promise<FolderHolder[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const holders = await folderHolders(folder);
    if (holders.length === 0 || Date.now() >= deadline) return holders;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const heldError = (folder: string, holders: FolderHolder[], withinMs: number) =>
  new BackendError({
    code: 'STOP_FAILED',
    message: `The update was not installed: ${withinMs} ms after the backend stopped, ${holders.length === 1 ? '1 process' : `${holders.length} processes`} of the app still held files under ${folder}: ${holders
      .slice(0, 5)
      .map((holder) => `${holder.pid} ${holder.command} (${holder.file})`)
      .join('; ')}${holders.length > 5 ? `; and ${holders.length - 5} more` : ''}`,
    details: { folder, pids: holders.map((holder) => holder.pid).join(',') },
  });

/**
 * Stops the backend, then runs the updater's install. electron-updater's `quitAndInstall()`
 * starts the installer at once, while the app is still quitting: a backend that still holds its
 * files then makes the installer fail (electron-builder#8026). Rejects (and installs nothing) when
 * the backend could not be stopped (`STOP_FAILED`). Every failed or abandoned update brings the
 * backend back: when `install` throws (the backend is started again, then the error is rethrown),
 * and, given `app`, when the app does not begin to quit within `quitWithinMs` (electron-updater
 * returns without quitting when it has no update file). Before `install()` it proves that no process
 * of the app still holds a file under `appFolder` (see {@link UpdateGateOptions.appFolder}); when one
 * does after `releaseWithinMs`, nothing is installed, the backend comes back and the promise
 * rejects with `STOP_FAILED` naming each holder (pid, command, file).
 *
 * @example
 * import { autoUpdater } from 'electron-updater';
 * autoUpdater.on('update-downloaded', () => void installUpdateAfterStop(backend, () => autoUpdater.quitAndInstall(), { app }));
 */
export async function installUpdateAfterStop(target: UpdateTarget, install: () => unknown, options: UpdateGateOptions = {}): Promise<void> {
  if (options.quitWithinMs !== undefined && (!Number.isSafeInteger(options.quitWithinMs) || options.quitWithinMs < 1)) {
    throw invalidOption('quitWithinMs', 'a positive whole number of milliseconds', options.quitWithinMs);
  }
  if (options.releaseWithinMs !== undefined && (!Number.isSafeInteger(options.releaseWithinMs) || options.releaseWithinMs < 0)) {
    throw invalidOption('releaseWithinMs', 'a whole number of milliseconds, 0 or more', options.releaseWithinMs);
  }
  if (options.appFolder !== undefined && options.appFolder !== false && (typeof options.appFolder !== 'string' || options.appFolder === '' || options.appFolder.includes('\0'))) {
    throw invalidOption('appFolder', 'the path of the folder the installer replaces, or false', options.appFolder);
  }
  const appFolder = options.appFolder === false ? undefined : (options.appFolder ?? defaultAppFolder());
  const log = options.log ?? warnOnConsole;
  const bringBack = (why: string) =>
    target.start().then(
      () => undefined,
      (error: unknown) => log(`the update ${why}; starting the backend again failed: ${(error as Error)?.message ?? String(error)}`),
    );
  if (appFolder !== undefined) await checkAppFolder(appFolder);
  await target.stop();
  if (appFolder !== undefined) {
    const releaseWithinMs = options.releaseWithinMs ?? 5_000;
    // a machine that cannot list its processes (a policy blocks wmic and PowerShell) must still get updates: the
    // stop has already waited for the backend's tree, the check is the second proof, so it is logged and skipped
    const holders = await waitForRelease(appFolder, releaseWithinMs).catch((error: unknown) => {
      log(`cannot tell whether a process of the app still holds files under ${appFolder} (${(error as Error)?.message ?? String(error)}); installing anyway`);
      return [];
    });
    if (holders.length > 0) {
      await bringBack('was not installed');
      throw heldError(appFolder, holders, releaseWithinMs);
    }
  }
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
