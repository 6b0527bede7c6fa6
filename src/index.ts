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
export type { FailureFacts } from '../machines/hints.js';
export { failureHint } from '../machines/hints.js';
export type { LaunchTimeline, TimelineMark } from './diagnose/launch-timeline.js';
export { formatCriticalChain, type ServiceTiming, type SystemTimeline } from './diagnose/system-timeline.js';
export { BackendError } from './errors.js';
export type { BackendReport } from './report/report.js';
export type { BackendSupervisorOptions } from './options/options-types.js';
export { type BackendSupervisor, createBackendSupervisor } from './supervisor.js';
export { type BackendServiceOptions, type BackendSystem, type BackendSystemOptions, type BackendSystemReport, type BackendSystemStatus, createBackendSystem } from './system.js';
