import type { BackendErrorCode, Failure } from '../machines/failure.js';

/**
 * The one error type of this package: a `code` from the contract, an exact human message that
 * names the option or the cause and the log file, and plain-data `details` (port, pid, exit code,
 * signal, output tail…).
 *
 * @example
 * try { await supervisor.start() } catch (error) {
 *   if (error instanceof BackendError && error.code === 'HEALTH_TIMEOUT') showDialog(error.message, error.logFile)
 * }
 */
export class BackendError extends Error {
  readonly code: BackendErrorCode;
  readonly logFile?: string;
  readonly details?: Record<string, string | number | boolean | null>;
  readonly retryable?: boolean;
  /** What to do about it, when the evidence says why it happened (the status's `error.hint`). */
  readonly hint?: string;

  constructor(failure: Failure, options?: { cause?: unknown }) {
    super(failure.message, options ?? (failure.cause ? { cause: new BackendError(failure.cause) } : undefined));
    this.name = 'BackendError';
    this.code = failure.code;
    if (failure.logFile !== undefined) this.logFile = failure.logFile;
    if (failure.details !== undefined) this.details = failure.details;
    if (failure.retryable !== undefined) this.retryable = failure.retryable;
    if (failure.hint !== undefined) this.hint = failure.hint;
  }

  /** The plain-data form, safe to send over IPC or print as JSON. */
  toJSON(): Failure {
    const failure: Failure = { code: this.code, message: this.message };
    if (this.logFile !== undefined) failure.logFile = this.logFile;
    if (this.details !== undefined) failure.details = this.details;
    if (this.retryable !== undefined) failure.retryable = this.retryable;
    if (this.hint !== undefined) failure.hint = this.hint;
    if (this.cause instanceof BackendError) failure.cause = this.cause.toJSON();
    return failure;
  }
}

/**
 * Shorthand for an INVALID_OPTIONS error about one option: "expected …, got …", or, when the
 * value is fine but what it names is not (a directory that cannot be used), `problem` instead.
 */
export function invalidOption(name: string, expected: string, value: unknown, problem?: string): BackendError {
  return new BackendError({
    code: 'INVALID_OPTIONS',
    message: `Invalid option "${name}": ${problem ?? `expected ${expected}, got ${describeValue(value)}`}`,
    details: { option: name },
    retryable: false,
  });
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON would call NaN and Infinity "null"
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value)})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
