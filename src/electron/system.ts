import type { BackendSystem } from '../system.js';
import { IpcChannel } from './channels.js';
import { attachWithQuitTarget, createBroadcast, type ElectronBackendOptions } from './attach.js';
import { createSenderCheck } from './sender-trust.js';

/** Options of {@link attachSystemToElectron}: those of a single backend, and which service is the primary one. */
export interface ElectronSystemOptions extends ElectronBackendOptions {
  /** The service that MineContext's channels (`backend:get-status`, `python:execute`, the proxy...) answer for. */
  primary: string;
}

/**
 * Wires a system of backends into Electron's main process. The channels of MineContext's backend
 * manager keep answering for the primary service (status, port, connection, proxy,
 * `python:execute`, controls), exactly as {@link attachBackendToElectron} does for one backend;
 * `backend:get-system-status` answers every service's status and the whole, and
 * `backend:service-status-changed` pushes `{ service, status }` for every change of every service
 * to trusted windows. Quitting waits until the whole system has stopped, dependents first.
 * Returns a function that removes everything it added.
 *
 * @example
 * const system = createBackendSystem({ services: { store: {...}, api: { ..., dependsOn: ['store'] } } });
 * attachSystemToElectron(system, { app, BrowserWindow, dialog, ipcMain, trustedOrigins: ['file://'], primary: 'api' });
 * app.whenReady().then(() => system.start());
 */
export function attachSystemToElectron(system: BackendSystem, options: ElectronSystemOptions): () => void {
  // throws INVALID_OPTIONS naming the services when primary is not one of them
  const primary = system.service(options.primary);
  const log = options.log ?? ((message: string) => console.warn(`[backend-lifecycle] ${message}`));
  const detachPrimary = attachWithQuitTarget(primary, options, system);
  const checkSender = createSenderCheck(options.BrowserWindow, options.trustedOrigins);
  options.ipcMain.handle(IpcChannel.Backend_GetSystemStatus, (event) => {
    const verdict = checkSender(event);
    if (!verdict.trusted) {
      log(`refused ${IpcChannel.Backend_GetSystemStatus}: ${verdict.reason}`);
      throw new Error(`backend-lifecycle: ${IpcChannel.Backend_GetSystemStatus} refused: ${verdict.reason}`);
    }
    return system.getStatus();
  });
  const broadcast = createBroadcast(options);
  const unsubscribes = system.names.map((service) =>
    system.service(service).subscribe((status) => broadcast(IpcChannel.Backend_ServiceStatusChanged, { service, status })),
  );
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    options.ipcMain.removeHandler(IpcChannel.Backend_GetSystemStatus);
    detachPrimary();
  };
}
