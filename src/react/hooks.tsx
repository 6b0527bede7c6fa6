import { useActorRef, useSelector } from '@xstate/react';
import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';
import type { ActorRefFrom } from 'xstate';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge } from '../electron/bridge-types.js';
import { type BackendClient, createBackendClient } from '../electron/renderer.js';
import { type StatusSource, statusStoreLogic } from './status-store.js';

interface BackendContextValue {
  store: ActorRefFrom<typeof statusStoreLogic>;
  host: string;
  bridge: StatusSource;
}

const BackendContext = createContext<BackendContextValue | null>(null);

/**
 * Makes the backend status available to the hooks below it.
 *
 * @example
 * <BackendProvider bridge={window.backend}>
 *   <App />
 * </BackendProvider>
 */
export function BackendProvider({ bridge, host = '127.0.0.1', children }: { bridge: StatusSource; host?: string; children?: ReactNode }) {
  const store = useActorRef(statusStoreLogic);
  useEffect(() => {
    let live = true;
    const receive = (status: BackendStatusInfo) => {
      if (live) store.send({ type: 'status.received', status });
    };
    const off = bridge.onStatusChanged(receive);
    bridge.getStatus().then(receive, () => {});
    return () => {
      live = false;
      off();
    };
  }, [bridge, store]);
  return <BackendContext.Provider value={{ store, host, bridge }}>{children}</BackendContext.Provider>;
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

/** The whole status; re-renders on every change. */
export function useBackendStatus(): BackendStatusInfo | undefined {
  return useBackendSelector((status) => status);
}

/** The backend's port, 0 while none is assigned; follows the port across restarts. */
export function useBackendPort(): number {
  return useBackendSelector((status) => status?.port ?? 0);
}

/** `http://127.0.0.1:<port>` while a port is assigned, otherwise undefined. */
export function useBackendUrl(): string | undefined {
  const { host } = useBackendContext();
  const port = useBackendPort();
  return port ? `http://${host}:${port}` : undefined;
}

/**
 * The backend's HTTP client for components, through the main-process proxy (the page never holds
 * the API key, and CORS never applies); one per provider, following port changes. Needs the
 * Electron bridge (`window.backend`) as the provider's `bridge`.
 *
 * @example
 * const client = useBackendClient();
 * const onClick = async () => setItems(await (await client.fetch('/api/items')).json());
 */
export function useBackendClient(): BackendClient {
  const { bridge } = useBackendContext();
  if (typeof (bridge as Partial<BackendBridge>).request !== 'function') {
    throw new Error('backend-lifecycle/react: useBackendClient needs the Electron bridge (window.backend) as <BackendProvider bridge>');
  }
  const client = useMemo(() => createBackendClient(bridge as BackendBridge), [bridge]);
  useEffect(() => () => client.dispose(), [client]);
  return client;
}
