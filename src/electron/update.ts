import type { BackendSupervisor } from '../supervisor.js';

/**
 * Stops the backend, then runs the updater's install. electron-updater's `quitAndInstall()`
 * starts the installer at once, while the app is still quitting: a backend that still holds its
 * files then makes the installer fail (electron-builder#8026). Rejects (and installs nothing) when
 * the backend could not be stopped (`STOP_FAILED`).
 *
 * @example
 * import { autoUpdater } from 'electron-updater';
 * autoUpdater.on('update-downloaded', () => void installUpdateAfterStop(backend, () => autoUpdater.quitAndInstall()));
 */
export async function installUpdateAfterStop(supervisor: BackendSupervisor, install: () => void): Promise<void> {
  await supervisor.stop();
  install();
}
