export type { BackendStatus, BackendStatusInfo } from '../../machines/status.js';
export { BackendProvider, useBackendClient, useBackendPort, useBackendSelector, useBackendStatus, useBackendUrl } from './hooks.js';
export { type StatusSource, statusStoreLogic } from './status-store.js';
