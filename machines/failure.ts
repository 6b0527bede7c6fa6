/** Every error code a supervisor reports. */
export type BackendErrorCode =
  | 'PORT_UNAVAILABLE'
  | 'SPAWN_FAILED'
  | 'HEALTH_TIMEOUT'
  | 'CRASHED_DURING_STARTUP'
  | 'EXITED_UNEXPECTEDLY'
  | 'UNHEALTHY'
  | 'RESTART_LIMIT'
  | 'INSTANCE_MISMATCH'
  | 'INVALID_OPTIONS'
  | 'STOPPED'
  | 'STOP_FAILED'
  | 'HEALTH_REJECTED'
  | 'PORT_MISMATCH';

/** Plain-data description of a failure: safe to put in a snapshot, a status or an IPC message. */
export interface Failure {
  code: BackendErrorCode;
  message: string;
  logFile?: string;
  details?: Record<string, string | number | boolean | null>;
  /** false when trying again cannot help (e.g. the command does not exist). */
  retryable?: boolean;
  /** The failure behind this one (RESTART_LIMIT carries the last failure before it gave up). */
  cause?: Failure;
  /** What to do about it, when the evidence says why it happened (see `failureHint`). */
  hint?: string;
}

/** How a backend process ended, as the process actor reports it. */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  logFile?: string;
  /** Last lines the backend printed (API key already redacted). */
  outputTail: string[];
  /** The backend printed EADDRINUSE / "address already in use". */
  addressInUse: boolean;
}

const failureCodes = new Set<string>([
  'PORT_UNAVAILABLE',
  'SPAWN_FAILED',
  'HEALTH_TIMEOUT',
  'CRASHED_DURING_STARTUP',
  'EXITED_UNEXPECTEDLY',
  'UNHEALTHY',
  'RESTART_LIMIT',
  'INSTANCE_MISMATCH',
  'INVALID_OPTIONS',
  'STOPPED',
  'STOP_FAILED',
  'HEALTH_REJECTED',
  'PORT_MISMATCH',
]);

/** True for anything shaped like a {@link Failure} (a BackendError qualifies). */
export function isFailure(value: unknown): value is Failure {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  return typeof candidate.code === 'string' && failureCodes.has(candidate.code) && typeof candidate.message === 'string';
}

/** Copies the plain-data part of a failure, or wraps an unknown error under `fallback`. */
export function toFailure(error: unknown, fallback: BackendErrorCode): Failure {
  if (isFailure(error)) {
    const failure: Failure = { code: error.code, message: error.message };
    if (error.logFile !== undefined) failure.logFile = error.logFile;
    if (error.details !== undefined) failure.details = { ...error.details };
    if (error.retryable !== undefined) failure.retryable = error.retryable;
    if (typeof error.hint === 'string') failure.hint = error.hint;
    const cause = (error as { cause?: unknown }).cause;
    if (isFailure(cause)) failure.cause = toFailure(cause, cause.code);
    return failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message: `Backend supervisor failed unexpectedly: ${message}` };
}

function withLog(message: string, logFile: string | undefined): string {
  return logFile ? `${message}. Log: ${logFile}` : message;
}

function describeEnding(exit: ProcessExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode ?? 'unknown'}`;
  const lastLine = exit.outputTail.at(-1);
  return lastLine ? `${how}; last output: ${lastLine}` : how;
}

function exitDetails(exit: ProcessExit): Failure['details'] {
  return { exitCode: exit.exitCode, signal: exit.signal, outputTail: exit.outputTail.join('\n') };
}

/** The mapping of MineContext's backend manager for a backend that ended before it became healthy. */
export function startupExitFailure(exit: ProcessExit, port: number): Failure {
  if (exit.addressInUse) {
    return {
      code: 'PORT_UNAVAILABLE',
      message: withLog(`Backend server failed to start - port already in use (port ${port}, ${describeEnding(exit)})`, exit.logFile),
      ...(exit.logFile ? { logFile: exit.logFile } : {}),
      details: { ...exitDetails(exit), port },
    };
  }
  return {
    code: 'CRASHED_DURING_STARTUP',
    message: withLog(`Backend server crashed during startup (${describeEnding(exit)})`, exit.logFile),
    ...(exit.logFile ? { logFile: exit.logFile } : {}),
    details: { ...exitDetails(exit), port },
  };
}

/** What makes two start-up crashes "the same": how the process ended and the last line it printed. */
export function crashSignature(exit: ProcessExit): string {
  return JSON.stringify([exit.exitCode, exit.signal, exit.outputTail.at(-1) ?? '']);
}

/** The start-up crash seen `count` times in a row: a configuration error, final. */
export function repeatedStartupCrashFailure(exit: ProcessExit, port: number, count: number): Failure {
  const text =
    `Backend server crashed during startup the same way ${count} times in a row (${describeEnding(exit)}): ` +
    "a configuration error that restarting cannot fix, so it is not retried (is the command the interpreter that has your dependencies, e.g. the virtual environment's python?)";
  return {
    code: 'CRASHED_DURING_STARTUP',
    message: withLog(text, exit.logFile),
    ...(exit.logFile ? { logFile: exit.logFile } : {}),
    details: { ...exitDetails(exit), port, identicalCrashes: count },
    retryable: false,
  };
}

/** A backend that ended on its own while it was running. */
export function runningExitFailure(exit: ProcessExit, port: number): Failure {
  return {
    code: 'EXITED_UNEXPECTEDLY',
    message: withLog(`Backend server exited unexpectedly (${describeEnding(exit)})`, exit.logFile),
    ...(exit.logFile ? { logFile: exit.logFile } : {}),
    details: { ...exitDetails(exit), port },
  };
}

/** The supervisor gave up: too many restarts without a stable run. */
export function restartLimitFailure(restarts: number, windowMs: number, last: Failure | undefined): Failure {
  const lastPart = last ? `; last failure: ${last.message}` : '';
  return {
    code: 'RESTART_LIMIT',
    message: `Backend server could not be kept running: gave up after ${restarts} ${restarts === 1 ? 'restart' : 'restarts'} without a stable run of ${windowMs} ms${lastPart}`,
    ...(last?.logFile ? { logFile: last.logFile } : {}),
    details: { restarts, windowMs, lastCode: last?.code ?? null },
    ...(last ? { cause: last } : {}),
  };
}
