export { type AfterStop, type BackendLifecycleMachine, backendLifecycleMachine, type LifecycleContext, type LifecycleInput, type LifecycleTag } from './backend-lifecycle.machine.js';
export type * from './events.js';
export { type BackendErrorCode, type Failure, type ProcessExit, isFailure, toFailure } from './failure.js';
export { defaultRestartPolicy, type RestartPolicy, restartDelayMs } from './restart-policy.js';
export { type BackendStatus, type BackendStatusError, type BackendStatusInfo, deriveStatus } from './status.js';
export { backendSystemMachine, type ServiceCommandEvent, type SystemContext, type SystemEvent, type SystemInput } from './backend-system.machine.js';
export { type DependencyPolicy, type SystemServiceSpec, SystemGraphError, startOrder } from './system-graph.js';
