import { fromPromise } from 'xstate';
import { BackendError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';

/** Binds a probe socket on `host:port`: undefined when it can be bound right now, else the error code. */
export async function probeBind(host: string, port: number): Promise<string | undefined> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'ERROR'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** True when `host:port` can be bound right now (the same test the backend's own bind will face). */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  return (await probeBind(host, port)) === undefined;
}

// Ports handed to a launch in this process and not yet given back: two supervisors starting at
// once must not both pick a port that is free only because neither backend has bound it yet.
const reserved = new Set<string>();

/** Gives a launch's port back (when the launch ends), so that a restart may use it again. */
export function releasePort(host: string, port: number): void {
  reserved.delete(`${host}:${port}`);
}

/** Reserves `port` if nobody in this process holds it and it can be bound; else why not. */
async function tryReserve(host: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  const key = `${host}:${port}`;
  if (reserved.has(key)) return 'EADDRINUSE';
  reserved.add(key); // before the await: a concurrent allocation must skip it
  const refused = await probeBind(host, port);
  if (refused === undefined && !signal.aborted) return undefined;
  reserved.delete(key);
  return refused ?? 'ABORTED';
}

const bindProblems: Record<string, (host: string) => string> = {
  EADDRNOTAVAIL: (host) => `${host} is not an address of this machine`,
  EACCES: () => 'permission denied: a privileged port, or one the system reserved',
  EPERM: () => 'operation not permitted',
};

function unavailable(message: string, details: Record<string, string | number>): BackendError {
  return new BackendError({ code: 'PORT_UNAVAILABLE', message: `Backend server failed to start - ${message}`, details, retryable: false });
}

/** A bind refused for another reason than "in use": the message says which. */
function bindFailure(host: string, port: number, code: string): BackendError {
  const why = bindProblems[code]?.(host);
  return unavailable(`cannot bind ${host}:${port}: ${code}${why ? ` (${why})` : ''}`, { host, port, reason: code });
}

function countCodes(codes: string[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${code} ×${count}`).join(', ');
}

/**
 * Finds the port for the next launch: a fixed port must be free (it is never "cleaned up": a
 * process we did not start is not ours to kill); a range is probed from its base, as MineContext's
 * backend manager does. Only EADDRINUSE is reported as "in use"; an address that is not ours fails at once.
 */
export function createAllocatePort(options: ResolvedOptions) {
  return fromPromise<number>(async ({ signal }) => {
    const { host, port } = options;
    if ('fixed' in port) {
      const refused = await tryReserve(host, port.fixed, signal);
      if (refused === undefined) return port.fixed;
      if (refused !== 'EADDRINUSE') throw bindFailure(host, port.fixed, refused);
      throw unavailable(`port already in use (port ${port.fixed} on ${host} belongs to another program)`, { port: port.fixed, host });
    }
    const last = port.base + port.attempts - 1;
    const codes: string[] = [];
    for (let candidate = port.base; candidate <= last && !signal.aborted; candidate++) {
      const refused = await tryReserve(host, candidate, signal);
      if (refused === undefined) return candidate;
      if (refused === 'EADDRNOTAVAIL') throw bindFailure(host, candidate, refused);
      codes.push(refused);
    }
    const details = { base: port.base, attempts: port.attempts, host };
    if (codes.every((code) => code === 'EADDRINUSE')) {
      throw unavailable(`port already in use (all ${port.attempts} ports ${port.base}-${last} on ${host} are taken)`, details);
    }
    throw unavailable(`no port in ${port.base}-${last} on ${host} could be bound (${countCodes(codes)})`, details);
  });
}
