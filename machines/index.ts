export { type AfterStop, type BackendLifecycleMachine, backendLifecycleMachine, type LifecycleContext, type LifecycleInput, type LifecycleTag } from './backend-lifecycle.machine.js';
export type * from './events.js';
export { type BackendErrorCode, type Failure, type ProcessExit, isFailure, toFailure } from './failure.js';
export { defaultRestartPolicy, type RestartPolicy, restartDelayMs } from './restart-policy.js';
export { type BackendStatus, type BackendStatusError, type BackendStatusInfo, deriveStatus } from './status.js';
