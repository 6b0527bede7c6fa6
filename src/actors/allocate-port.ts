import { fromPromise } from 'xstate';
import { BackendError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';

/** True when `host:port` can be bound right now (the same test the backend's own bind will face). */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// Ports handed to a launch in this process and not yet given back: two supervisors starting at
// once must not both pick a port that is free only because neither backend has bound it yet.
const reserved = new Set<string>();

/** Gives a launch's port back (when the launch ends), so that a restart may use it again. */
export function releasePort(host: string, port: number): void {
  reserved.delete(`${host}:${port}`);
}

/** Reserves `port` if nobody in this process holds it and it can be bound; false otherwise. */
async function tryReserve(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  const key = `${host}:${port}`;
  if (reserved.has(key)) return false;
  reserved.add(key); // before the await: a concurrent allocation must skip it
  if ((await isPortFree(host, port)) && !signal.aborted) return true;
  reserved.delete(key);
  return false;
}

function unavailable(message: string, details: Record<string, string | number>): BackendError {
  return new BackendError({ code: 'PORT_UNAVAILABLE', message, details, retryable: false });
}

/**
 * Finds the port for the next launch: a fixed port must be free (it is never "cleaned up": a
 * process we did not start is not ours to kill); a range is probed from its base, as the seed does.
 */
export function createAllocatePort(options: ResolvedOptions) {
  return fromPromise<number>(async ({ signal }) => {
    const { host, port } = options;
    if ('fixed' in port) {
      if (await tryReserve(host, port.fixed, signal)) return port.fixed;
      throw unavailable(`Backend server failed to start - port already in use (port ${port.fixed} on ${host} belongs to another program)`, {
        port: port.fixed,
        host,
      });
    }
    const last = port.base + port.attempts - 1;
    for (let candidate = port.base; candidate <= last && !signal.aborted; candidate++) {
      if (await tryReserve(host, candidate, signal)) return candidate;
    }
    throw unavailable(`Backend server failed to start - port already in use (all ${port.attempts} ports ${port.base}-${last} on ${host} are taken)`, {
      base: port.base,
      attempts: port.attempts,
      host,
    });
  });
}
