export {
  type AfterStop,
  type BackendErrorCode,
  type BackendLifecycleMachine,
  type BackendStatus,
  type BackendStatusError,
  type BackendStatusInfo,
  backendLifecycleMachine,
  backendSystemMachine,
  type DependencyPolicy,
  defaultRestartPolicy,
  deriveStatus,
  type Failure,
  type LifecycleContext,
  type LifecycleEvent,
  type LifecycleInput,
  type LifecycleTag,
  type RestartPolicy,
  restartDelayMs,
  type SystemEvent,
  type SystemInput,
} from '../machines/index.js';
export { BackendError } from './errors.js';
export type { BackendSupervisorOptions } from './options-types.js';
export { type BackendSupervisor, createBackendSupervisor } from './supervisor.js';
export { type BackendServiceOptions, type BackendSystem, type BackendSystemOptions, type BackendSystemStatus, createBackendSystem } from './system.js';
