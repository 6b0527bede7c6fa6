import { BackendError } from '../errors.js';
import { listenTableAvailable, portsListenedBy, processTree } from '../net/listen-table.js';
import { groupMembers } from '../process/process-group.js';
import type { HealthResult } from './health-check.js';

// 408 and 429 say "not now", not "wrong endpoint"
const transientClientErrors = new Set([408, 429]);
// listening elsewhere this long while our port is refused is a configuration, not a slow bind
const mismatchPatienceMs = 1_000;
const mismatchCheckEveryMs = 100;

function withLog(message: string, logFile: string | undefined): { message: string; logFile?: string } {
  return logFile ? { message: `${message}. Log: ${logFile}`, logFile } : { message };
}

/** A 4xx answer from the health endpoint: the path is wrong or needs a key. Not worth a restart. */
export function rejectedHealth(result: HealthResult, url: string, logFile: string | undefined): BackendError | undefined {
  if (result.ok || result.reason !== 'status' || result.statusCode < 400 || result.statusCode > 499) return undefined;
  if (transientClientErrors.has(result.statusCode)) return undefined;
  const text = `Backend server failed to start - the health endpoint answered HTTP ${result.statusCode} (${url}): check health.path and that it needs no API key`;
  return new BackendError({ code: 'HEALTH_REJECTED', ...withLog(text, logFile), details: { url, statusCode: result.statusCode }, retryable: false });
}

/**
 * Notices a backend that listens on another port than it was given (uvicorn without
 * `--port {port}` takes 8000): while our port is refused, the backend's own sockets are read
 * (Linux), and a listener elsewhere that persists for a second is a configuration error.
 */
export function createPortMismatchCheck(pid: number | undefined, port: number, logFile: string | undefined) {
  let lastCheck = 0;
  let since: number | undefined;
  // where sockets cannot be read (macOS, Windows) the check could only ever cost a process scan
  const possible = listenTableAvailable();
  return async (result: HealthResult): Promise<BackendError | undefined> => {
    if (!possible || pid === undefined || result.ok || result.reason !== 'refused') {
      since = undefined;
      return undefined;
    }
    const now = Date.now();
    if (now - lastCheck < mismatchCheckEveryMs) return undefined;
    lastCheck = now;
    // the leader's tree: a few reads; a scan of every process only on kernels without children lists
    const ports = await portsListenedBy(processTree(pid) ?? (await groupMembers(pid)));
    const elsewhere = ports?.filter((candidate) => candidate !== port) ?? [];
    if (elsewhere.length === 0 || ports?.includes(port)) {
      since = undefined;
      return undefined;
    }
    since ??= now;
    if (now - since < mismatchPatienceMs) return undefined;
    const text = `Backend server failed to start - it listens on port ${elsewhere.join(', ')}, not on port ${port} that it was given: pass {port} in its arguments (e.g. --port {port}) or read BACKEND_PORT`;
    return new BackendError({ code: 'PORT_MISMATCH', ...withLog(text, logFile), details: { port, listening: elsewhere.join(',') }, retryable: false });
  };
}
