import type { BackendSystem } from '../system.js';
import { attachChannels, type ElectronBackendOptions, graceOf } from './attach.js';
import { IpcChannel } from './channels.js';

/** Options of {@link attachSystemToElectron}: those of a single backend, and which service is the primary one. */
export interface ElectronSystemOptions extends ElectronBackendOptions {
  /** The service that MineContext's channels (`backend:get-status`, `python:execute`, the proxy...) answer for. */
  primary: string;
}

/**
 * Wires a system of backends into Electron's main process. The channels of MineContext's backend
 * manager keep answering for the primary service (status, port, connection, proxy,
 * `python:execute`), exactly as {@link attachBackendToElectron} does for one backend; the page's
 * controls go through the system (`start()`/`stop()` start and stop every service in order,
 * `restart()` restarts the primary and its dependents), never the primary's supervisor alone;
 * `backend:get-system-status` answers every service's status and the whole, and
 * `backend:service-status-changed` pushes `{ service, status }` for every change of every service
 * to trusted windows. Quitting waits until the whole system has stopped, dependents first (the
 * deadline counts every service's grace period), and the failure dialog follows every service (one
 * that cannot start is named in its title). Returns a function that removes everything it added.
 *
 * @example
 * const system = createBackendSystem({ services: { store: {...}, api: { ..., dependsOn: ['store'] } } });
 * attachSystemToElectron(system, { app, BrowserWindow, dialog, ipcMain, trustedOrigins: ['file://'], primary: 'api' });
 * app.whenReady().then(() => system.start());
 */
export function attachSystemToElectron(system: BackendSystem, options: ElectronSystemOptions): () => void {
  // throws INVALID_OPTIONS naming the services when primary is not one of them
  const primary = system.service(options.primary);
  const primaryStatus = () => primary.getStatus();
  // services stop one after another in the worst case: the deadline is the sum of their grace periods
  const graceMs = system.names.reduce((sum, name) => sum + graceOf(system.service(name)), 0);
  return attachChannels(primary, options, {
    start: () => system.start().then(primaryStatus),
    stop: () => system.stop().then(primaryStatus),
    restart: () => system.restart(options.primary).then(primaryStatus),
    quit: { stop: () => system.stop(), graceMs },
    failureSources: system.names.map((service) => ({ service, supervisor: system.service(service) })),
    handlers: (forPage) => ({
      [IpcChannel.Backend_GetSystemStatus]: () => {
        const whole = system.getStatus();
        return { ...whole, services: Object.fromEntries(Object.entries(whole.services).map(([service, status]) => [service, forPage(status)])) };
      },
    }),
    subscribe: (broadcast, forPage) =>
      system.names.map((service) =>
        system.service(service).subscribe((status) => broadcast(IpcChannel.Backend_ServiceStatusChanged, { service, status: forPage(status) })),
      ),
  });
}
