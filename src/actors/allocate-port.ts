import { BackendError } from '../errors.js';
import type { HandoffSocket } from '../net/handoff-socket.js';
import type { ResolvedOptions } from '../options/options.js';
import type { PromiseWork } from './work.js';

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

// loaded with the start-up work (see index.ts): importing the package should not pay for it
let getPortModule: Promise<typeof import('get-port')> | undefined;
/** get-port, loaded once; the start-up work begins it early so the port's turn does not wait for the import. */
export const loadGetPort = () => {
  getPortModule ??= import('get-port');
  return getPortModule;
};

// Ports handed to a launch in this process and not yet given back: two supervisors starting at
// once must not both pick a port that is free only because neither backend has bound it yet.
const reserved = new Map<string, Set<number>>();
const reservedOn = (host: string) => reserved.get(host) ?? reserved.set(host, new Set()).get(host) ?? new Set<number>();

// Ports this process gave back: get-port keeps locking them for 15–30 s after it handed them out,
// but nobody holds them any more, so the next supervisor here may take them again (no drift).
const released = new Map<string, Set<number>>();
const releasedOn = (host: string) => released.get(host) ?? released.set(host, new Set()).get(host) ?? new Set<number>();

/** Gives a launch's port back (when the launch ends), so that a restart may use it again. */
export function releasePort(host: string, port: number): void {
  if (reserved.get(host)?.delete(port)) releasedOn(host).add(port);
}

/** Reserves `port` if nobody in this process holds it and it can be bound; else why not. */
async function tryReserve(host: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  const taken = reservedOn(host);
  if (taken.has(port)) return 'EADDRINUSE';
  taken.add(port); // before the await: a concurrent allocation must skip it
  const refused = await probeBind(host, port);
  if (refused === undefined && !signal.aborted) return undefined;
  taken.delete(port);
  return refused ?? 'ABORTED';
}

const bindProblems: Record<string, (host: string) => string> = {
  EADDRNOTAVAIL: (host) => `${host} is not an address of this machine`,
  EACCES: () =>
    process.platform === 'win32'
      ? 'permission denied: Windows reserves port ranges for Hyper-V/WinNAT; list them with "netsh int ipv4 show excludedportrange protocol=tcp"'
      : 'permission denied: a privileged port, or one the system reserved',
  EPERM: () => 'operation not permitted',
  ENOTSUP: () => 'this Node has no bind-only server handle (net._createServerHandle), which handoff needs; turn handoff off',
};

function unavailable(message: string, details: Record<string, string | number>): BackendError {
  return new BackendError({ code: 'PORT_UNAVAILABLE', message: `Backend server failed to start - ${message}`, details, retryable: false });
}

/** A bind refused for another reason than "in use": the message says which. */
function bindFailure(host: string, port: number, code: string): BackendError {
  const why = bindProblems[code]?.(host);
  return unavailable(`cannot bind ${host}:${port}: ${code}${why ? ` (${why})` : ''}`, { host, port, reason: code });
}

/** Why no port of the range could be bound, from one probe of each (only on the failure path). */
async function rangeFailure(host: string, base: number, attempts: number): Promise<BackendError> {
  const last = base + attempts - 1;
  const counts = new Map<string, number>();
  for (let candidate = base; candidate <= last; candidate++) {
    const code = reservedOn(host).has(candidate) ? 'EADDRINUSE' : ((await probeBind(host, candidate)) ?? 'EADDRINUSE');
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const details = { base, attempts, host };
  if (counts.size === 1 && counts.has('EADDRINUSE')) {
    return unavailable(`port already in use (all ${attempts} ports ${base}-${last} on ${host} are taken)`, details);
  }
  const met = [...counts].map(([code, count]) => `${code} ×${count}`).join(', ');
  const hint = counts.has('EACCES') ? `; ${bindProblems.EACCES?.(host)}` : '';
  return unavailable(`no port in ${base}-${last} on ${host} could be bound (${met}${hint})`, details);
}

function candidates(base: number, attempts: number): number[] {
  return Array.from({ length: attempts }, (_, index) => base + index);
}

/** Tries to hold `port` in the handoff socket; undefined when it now does, else why not. */
async function tryHold(socket: HandoffSocket, host: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  if (socket.port === port && socket.host === host) return undefined;
  const taken = reservedOn(host);
  if (taken.has(port)) return 'EADDRINUSE';
  releaseHandoff(socket);
  const refused = socket.bind(host, port);
  if (refused !== undefined) return refused;
  taken.add(port); // for as long as the socket holds it, not just for one launch
  await socket.listen();
  if (!signal.aborted) return undefined;
  releaseHandoff(socket);
  return 'ABORTED';
}

/** Closes a handoff socket and gives its port back to this process's allocations. */
export function releaseHandoff(socket: HandoffSocket): void {
  if (socket.port !== 0) releasePort(socket.host, socket.port);
  socket.release();
}

/**
 * Finds the port for the next launch. A fixed port must be free (it is never "cleaned up": a
 * process we did not start is not ours to kill). A range is probed from its base by get-port, as
 * MineContext's backend manager does; this supervisor's own last port is taken again first
 * without asking get-port (whose in-process lock of 15–30 s would push a restart off its port),
 * and get-port's random fallback is taken only with `fallback: 'any'`. With a handoff socket the
 * port is bound here and held from launch to launch: a restart keeps it, and nobody can take it
 * between the probe and the backend's start.
 */
export function createAllocatePort(options: ResolvedOptions, socket?: HandoffSocket): PromiseWork<number> {
  let own: number | undefined;
  const reserve = (host: string, port: number, signal: AbortSignal) => (socket ? tryHold(socket, host, port, signal) : tryReserve(host, port, signal));
  return async ({ signal }) => {
    const { host, port } = options;
    if ('fixed' in port) {
      const refused = await reserve(host, port.fixed, signal);
      if (refused === undefined) return port.fixed;
      if (refused !== 'EADDRINUSE') throw bindFailure(host, port.fixed, refused);
      throw unavailable(`port already in use (port ${port.fixed} on ${host} belongs to another program)`, { port: port.fixed, host });
    }
    const inRange = (candidate: number) => candidate >= port.base && candidate < port.base + port.attempts && !options.excludedPorts?.includes(candidate);
    if (own !== undefined && inRange(own) && (await reserve(host, own, signal)) === undefined) return own;

    const { default: getPort } = await loadGetPort();
    const lost = new Set<number>();
    // a system's services with fixed ports own them, even before they start
    const excluded = options.excludedPorts ?? [];
    /** The range probed on `host` alone, for when get-port cannot list the machine's interfaces. */
    const probeRange = async (): Promise<number> => {
      const skip = new Set([...reservedOn(host), ...lost, ...excluded]);
      for (const candidate of candidates(port.base, port.attempts)) if (!skip.has(candidate) && (await probeBind(host, candidate)) === undefined) return candidate;
      throw await rangeFailure(host, port.base, port.attempts);
    };
    const askGetPort = async (): Promise<number> => {
      let found: number;
      do {
        try {
          found = await getPort({ port: candidates(port.base, port.attempts), host, exclude: [...reservedOn(host), ...lost, ...excluded] });
        } catch (error) {
          // get-port lists the machine's interfaces first (os.networkInterfaces), which throws ERR_SYSTEM_ERROR where
          // the system cannot say (Windows with some VPN adapters, Wine under load): the port the backend binds is
          // on `host`, so probing there answers what matters
          if ((error as NodeJS.ErrnoException).code === 'ERR_SYSTEM_ERROR') found = await probeRange();
          else throw bindFailure(host, port.base, (error as NodeJS.ErrnoException).code ?? 'ERROR');
        }
        // a sibling took it for its own restart while get-port looked: ask again, without it
      } while (reservedOn(host).has(found) && !signal.aborted);
      return found;
    };
    /** A port this process released that get-port still locks: the lowest one below `limit` that binds. */
    const reuseReleased = async (limit: number): Promise<number | undefined> => {
      const mine = [...releasedOn(host)].filter((candidate) => inRange(candidate) && candidate < limit && !lost.has(candidate));
      for (const candidate of mine.sort((a, b) => a - b)) {
        const refused = await reserve(host, candidate, signal);
        if (refused === undefined) return candidate;
        if (refused === 'ABORTED') return undefined;
      }
      return undefined;
    };
    for (;;) {
      const asked = await askGetPort();
      const again = await reuseReleased(inRange(asked) ? asked : Number.POSITIVE_INFINITY);
      if (again !== undefined) {
        // get-port now locks `asked` too, though nobody here holds it
        releasedOn(host).add(asked);
        releasedOn(host).delete(again);
        reservedOn(host).add(again);
        own = again;
        return again;
      }
      if (!inRange(asked) && port.fallback !== 'any') throw await rangeFailure(host, port.base, port.attempts);
      const found = asked;
      const refused = socket ? await tryHold(socket, host, found, signal) : undefined;
      // another program bound it since get-port looked: that port is out of the question now
      if (refused === 'EADDRINUSE') {
        lost.add(found);
        continue;
      }
      if (refused !== undefined) throw bindFailure(host, found, refused);
      // get-port locks it for 15–30 s; this reservation lasts until the launch ends (or the handoff socket's release)
      reservedOn(host).add(found);
      releasedOn(host).delete(found);
      if (inRange(found)) own = found;
      return found;
    }
  };
}
