import { HttpFailure, httpRequest } from '../net/http-client.js';
import type { BackendSupervisor } from '../supervisor.js';
import type { ExecuteResult } from './bridge-types.js';

/** How `python:execute` reaches the backend; only allowlisted commands pass. */
export interface ExecuteOptions {
  /** Commands the renderer may run; anything else is refused without contacting the backend. */
  commands: readonly string[];
  /** Backend path that receives `POST { command, payload }` (default `/api/execute`). */
  path?: string;
  /** Largest JSON payload accepted from the renderer (default 64 KiB). */
  maxPayloadBytes?: number;
  /** Largest answer passed back (default 1 MiB). */
  maxResponseBytes?: number;
  /** Time limit of one call (default 10 000 ms). */
  timeoutMs?: number;
}

type Failure = Extract<ExecuteResult, { ok: false }>['error'];
const fail = (code: Failure['code'], message: string, status?: number): ExecuteResult => ({
  ok: false,
  error: status === undefined ? { code, message } : { code, message, status },
});

/**
 * The message a backend gave with its error: `{ error }` (the Python companion), or FastAPI's
 * `{ detail }`, a string or a list of validation errors (`[{ loc, msg }]`).
 */
function errorMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { error, detail } = data as { error?: unknown; detail?: unknown };
  if (typeof error === 'string') return error;
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail)) return undefined;
  const parts = detail.flatMap((item: unknown) => {
    const { msg, loc } = (item ?? {}) as { msg?: unknown; loc?: unknown };
    if (typeof msg !== 'string') return [];
    return [Array.isArray(loc) ? `${loc.join('.')}: ${msg}` : msg];
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Forwards one renderer request to the backend over HTTP with the API key; never throws. */
export async function executeOnBackend(supervisor: BackendSupervisor, options: ExecuteOptions, request_: unknown): Promise<ExecuteResult> {
  if (typeof request_ !== 'object' || request_ === null || typeof (request_ as { command?: unknown }).command !== 'string') {
    return fail('BAD_REQUEST', 'python:execute expects { command: string, payload?: JSON }');
  }
  const { command, payload } = request_ as { command: string; payload?: unknown };
  if (!options.commands.includes(command)) return fail('NOT_ALLOWED', `Command "${command}" is not on the allowlist`);
  let body: string;
  try {
    body = JSON.stringify({ command, payload });
  } catch {
    return fail('BAD_REQUEST', 'payload is not JSON-serializable');
  }
  const maxPayload = options.maxPayloadBytes ?? 64 * 1024;
  if (Buffer.byteLength(body) > maxPayload) return fail('PAYLOAD_TOO_LARGE', `payload exceeds ${maxPayload} bytes`);
  const baseUrl = supervisor.getBaseUrl();
  if (supervisor.getStatus().status !== 'running' || baseUrl === undefined) return fail('BACKEND_NOT_RUNNING', `the backend is ${supervisor.getStatus().status}`);

  const timeoutMs = options.timeoutMs ?? 10_000;
  const apiKey = supervisor.getApiKey();
  try {
    const response = await httpRequest(`${baseUrl}${options.path ?? '/api/execute'}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
      timeoutMs,
      maxBytes: options.maxResponseBytes ?? 1024 * 1024,
    });
    const data: unknown = response.body === '' ? null : JSON.parse(response.body);
    if (response.statusCode >= 400) return fail('BACKEND_ERROR', errorMessage(data) ?? `the backend answered HTTP ${response.statusCode}`, response.statusCode);
    return { ok: true, status: response.statusCode, data };
  } catch (error) {
    if (error instanceof HttpFailure && error.code === 'TIMEOUT') return fail('TIMEOUT', `the backend did not answer within ${timeoutMs} ms`);
    if (error instanceof HttpFailure && error.code === 'TOO_LARGE') return fail('BACKEND_ERROR', 'the backend answer is too large');
    return fail('BACKEND_ERROR', `the backend call failed: ${(error as Error).message}`);
  }
}
