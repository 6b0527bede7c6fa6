import { HttpFailure, httpRequest, urlHost } from '../net/http-client.js';

/** The result of one health request. */
export type HealthResult =
  | { ok: true; instanceId: string | undefined }
  | { ok: false; reason: 'refused' | 'timeout' | 'mismatch' | 'error'; detail: string }
  | { ok: false; reason: 'status'; detail: string; statusCode: number };

function answeredInstance(header: string | string[] | undefined, body: string): string | undefined {
  if (typeof header === 'string' && header !== '') return header;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'instanceId' in parsed) {
      const id = (parsed as { instanceId: unknown }).instanceId;
      if (typeof id === 'string') return id;
    }
  } catch {
    // not JSON: the backend simply does not echo its instance id
  }
  return undefined;
}

/**
 * One GET of the health endpoint. Any 2xx is healthy, unless the answer names another instance:
 * then it is a foreign process on our port and never taken for ours. The API key is never sent
 * here (health paths are excluded from auth, and the port may belong to someone else).
 */
export async function checkHealth(url: string, expectedInstance: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<HealthResult> {
  try {
    const response = await httpRequest(url, { timeoutMs, maxBytes: 64 * 1024, ...(signal ? { signal } : {}) });
    if (response.statusCode < 200 || response.statusCode > 299) {
      return { ok: false, reason: 'status', detail: `answered HTTP ${response.statusCode}`, statusCode: response.statusCode };
    }
    const instanceId = answeredInstance(response.headers['x-backend-instance'], response.body);
    if (instanceId !== undefined && expectedInstance !== undefined && instanceId !== expectedInstance) {
      return { ok: false, reason: 'mismatch', detail: `answered as instance ${instanceId}, expected ${expectedInstance}` };
    }
    return { ok: true, instanceId };
  } catch (error) {
    const code = error instanceof HttpFailure ? error.code : 'ERROR';
    if (code === 'ECONNREFUSED') return { ok: false, reason: 'refused', detail: 'connection refused' };
    if (code === 'TIMEOUT' || code === 'ABORTED') return { ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    return { ok: false, reason: 'error', detail: code === 'ERROR' ? (error as Error).message : code };
  }
}

/** The health URL of a backend on `host:port`. */
export function healthUrl(host: string, port: number, path: string): string {
  return `http://${urlHost(host)}:${port}${path}`;
}
