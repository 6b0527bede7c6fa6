import { useActorRef, useSelector } from '@xstate/react';
import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';
import type { ActorRefFrom } from 'xstate';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge } from '../electron/bridge-types.js';
import { type BackendClient, createBackendClient } from '../electron/renderer.js';
import { serviceStatusesLogic, type StatusSource, statusStoreLogic } from './status-store.js';

interface BackendContextValue {
  store: ActorRefFrom<typeof statusStoreLogic>;
  services: ActorRefFrom<typeof serviceStatusesLogic>;
  host: string;
  bridge: StatusSource;
  /** The provider's one client (undefined when the bridge has no proxy: not the Electron bridge). */
  client: BackendClient | undefined;
}

const hasProxy = (bridge: StatusSource): bridge is StatusSource & BackendBridge => typeof (bridge as Partial<BackendBridge>).request === 'function';

const BackendContext = createContext<BackendContextValue | null>(null);

/**
 * Makes the backend status available to the hooks below it: the backend's, or with a system's
 * bridge (`attachSystemToElectron`) the primary service's, and every service's by name.
 *
 * @example
 * <BackendProvider bridge={window.backend}>
 *   <App />
 * </BackendProvider>
 */
export function BackendProvider({ bridge, host = '127.0.0.1', children }: { bridge: StatusSource; host?: string; children?: ReactNode }) {
  const store = useActorRef(statusStoreLogic);
  const services = useActorRef(serviceStatusesLogic);
  useEffect(() => {
    let live = true;
    const receive = (status: BackendStatusInfo) => {
      if (live) store.send({ type: 'status.received', status });
    };
    const receiveService = (service: string, status: BackendStatusInfo) => {
      if (live) services.send({ type: 'service.received', service, status });
    };
    const off = bridge.onStatusChanged(receive);
    const offServices = bridge.onServiceStatusChanged?.(receiveService);
    bridge.getStatus().then(receive, () => {});
    // a single backend's main process has no system to report: then only the status above exists
    bridge.getSystemStatus?.().then(
      (system) => {
        for (const [service, status] of Object.entries(system.services)) receiveService(service, status);
      },
      () => {},
    );
    return () => {
      live = false;
      off();
      offServices?.();
    };
  }, [bridge, store, services]);
  // one client per provider and bridge; its dispose() is not final, so effect re-runs cannot break it
  const client = useMemo(() => (hasProxy(bridge) ? createBackendClient(bridge) : undefined), [bridge]);
  useEffect(() => () => client?.dispose(), [client]);
  const value = useMemo(() => ({ store, services, host, bridge, client }), [store, services, host, bridge, client]);
  return <BackendContext.Provider value={value}>{children}</BackendContext.Provider>;
}

function useBackendContext(): BackendContextValue {
  const context = useContext(BackendContext);
  if (!context) throw new Error('backend-lifecycle/react: hooks need a <BackendProvider bridge={…}> above them');
  return context;
}

/**
 * Selects a value from the status; the component re-renders only when that value changes
 * (by `Object.is`, or `compare`). `status` is undefined until the first answer arrives.
 *
 * @example
 * const restarting = useBackendSelector((status) => (status?.restarts ?? 0) > 0);
 */
export function useBackendSelector<T>(selector: (status: BackendStatusInfo | undefined) => T, compare?: (a: T, b: T) => boolean): T {
  const { store } = useBackendContext();
  return useSelector(store, (snapshot) => selector(snapshot.context), compare);
}

/**
 * The whole status; re-renders on every change. With a service's name (a system's bridge), that
 * service's status instead: undefined until it is known.
 *
 * @example
 * const store = useBackendStatus('store');
 * if (store?.status !== 'running') return <p>waiting for the database ({store?.detail ?? store?.status})</p>;
 */
export function useBackendStatus(service?: string): BackendStatusInfo | undefined {
  const { store, services } = useBackendContext();
  const primary = useSelector(store, (snapshot) => snapshot.context);
  const named = useSelector(services, (snapshot) => (service === undefined || !Object.hasOwn(snapshot.context, service) ? undefined : snapshot.context[service]));
  return service === undefined ? primary : named;
}

/** The backend's port, 0 while none is assigned; follows the port across restarts. */
export function useBackendPort(): number {
  return useBackendSelector((status) => status?.port ?? 0);
}

/** `http://127.0.0.1:<port>` while a port is assigned (an IPv6 host in brackets: `http://[::1]:1733`), otherwise undefined. */
export function useBackendUrl(): string | undefined {
  const { host } = useBackendContext();
  const port = useBackendPort();
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port ? `http://${authority}:${port}` : undefined;
}

/**
 * The backend's HTTP client for components, through the main-process proxy (the page never holds
 * the API key, and CORS never applies): the provider's one client, shared by every component. Needs the
 * Electron bridge (`window.backend`) as the provider's `bridge`.
 *
 * @example
 * const client = useBackendClient();
 * const onClick = async () => setItems(await (await client.fetch('/api/items')).json());
 */
export function useBackendClient(): BackendClient {
  const { client } = useBackendContext();
  if (!client) throw new Error('backend-lifecycle/react: useBackendClient needs the Electron bridge (window.backend) as <BackendProvider bridge>');
  return client;
}
