import type { Failure, ProcessExit } from './failure.js';

/** Commands from the user of the supervisor. */
export type SupervisorEvent = { type: 'supervisor.start' } | { type: 'supervisor.stop' } | { type: 'supervisor.restart' };

/** What the process actor reports about the backend it owns. */
export type ProcessEvent =
  | { type: 'process.spawned'; pid: number; instanceId: string; logFile?: string }
  | { type: 'process.spawnFailed'; error: Failure }
  /** The launch cannot go on although the backend was born (e.g. its lockfile cannot be written). */
  | { type: 'process.failed'; error: Failure }
  /** A progress line from the backend while it starts (`STATUS=<text>` on its notification fd). */
  | { type: 'process.progress'; detail: string }
  | ({ type: 'process.exited' } & ProcessExit);

/** What the health monitor reports while the backend runs. */
export type HealthEvent = { type: 'health.failed'; error: Failure };

/** Every event the lifecycle machine accepts. */
export type LifecycleEvent = SupervisorEvent | ProcessEvent | HealthEvent;

/** Sent by the machine to the process actor: signal the backend's process group. */
export type ProcessControlEvent = { type: 'process.signal'; signal: 'SIGTERM' | 'SIGKILL' };

/** Input of the process actor. */
export interface RunBackendInput {
  port: number;
}
/** Input of the startup health wait and the health monitor. */
export interface HealthInput {
  port: number;
  /** The backend's pid (its group id): whose sockets tell which port it really listens on. */
  pid: number | undefined;
  instanceId: string | undefined;
  logFile: string | undefined;
}
/** Input of the actor that makes sure the whole process group is gone and the port is free. */
export interface ReapGroupInput {
  /** undefined when the backend never spawned: nothing to reap. */
  pgid: number | undefined;
  /** Finds members that left the group (setsid) by the id in their environment. */
  instanceId: string | undefined;
  port: number;
  graceMs: number;
}
