import type { BackendBridge } from './bridge-types.js';

/**
 * Types `window.backend` for the renderer: import this module once (a type-only side effect), and
 * the page sees the bridge that `exposeBackendBridge` put there.
 *
 * @example
 * import 'backend-lifecycle/electron/window';
 * const status = await window.backend.getStatus();
 */
declare global {
  interface Window {
    /** The backend bridge exposed by the preload script (`exposeBackendBridge`). */
    readonly backend: BackendBridge;
  }
}
