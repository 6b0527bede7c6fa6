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

function unavailable(message: string, details: Record<string, string | number>): BackendError {
  return new BackendError({ code: 'PORT_UNAVAILABLE', message, details, retryable: false });
}

/**
 * Finds the port for the next launch: a fixed port must be free (it is never "cleaned up": a
 * process we did not start is not ours to kill); a range is probed from its base, as the seed does.
 */
export function createAllocatePort(options: ResolvedOptions) {
  return fromPromise<number>(async () => {
    const { host, port } = options;
    if ('fixed' in port) {
      if (await isPortFree(host, port.fixed)) return port.fixed;
      throw unavailable(`Backend server failed to start - port already in use (port ${port.fixed} on ${host} belongs to another program)`, {
        port: port.fixed,
        host,
      });
    }
    const last = port.base + port.attempts - 1;
    // loaded on first use: importing the package should not pay for what start() needs
    const { default: getPort, portNumbers } = await import('get-port');
    const found = await getPort({ port: portNumbers(port.base, last), host });
    // get-port falls back to a random port when the whole range is taken; that is not what was asked for
    if (found >= port.base && found <= last) return found;
    throw unavailable(`Backend server failed to start - port already in use (all ${port.attempts} ports ${port.base}-${last} on ${host} are taken)`, {
      base: port.base,
      attempts: port.attempts,
      host,
    });
  });
}
