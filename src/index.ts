export {
  type AfterStop,
  type BackendErrorCode,
  type BackendLifecycleMachine,
  type BackendStatus,
  type BackendStatusError,
  type BackendStatusInfo,
  backendLifecycleMachine,
  defaultRestartPolicy,
  deriveStatus,
  type Failure,
  type LifecycleContext,
  type LifecycleEvent,
  type LifecycleInput,
  type LifecycleTag,
  type RestartPolicy,
  restartDelayMs,
} from '../machines/index.js';
export { BackendError } from './errors.js';
export type { BackendSupervisorOptions } from './options-types.js';
export { type BackendSupervisor, createBackendSupervisor } from './supervisor.js';
