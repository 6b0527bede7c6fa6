import { spawn } from 'node:child_process';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { listenFd } from './listen-fd.js';

interface ServerHandle {
  readonly fd: number;
  close(): void;
  getsockname(out: { port?: number }): number;
}
type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd: undefined, flags: number) => ServerHandle | number;

// Node binds without listening only through this export (the cluster primary's shared handles use
// it); a listening net.Server would accept connections itself, which is exactly what must not happen.
const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

// perl ships with macOS and every Debian/Ubuntu (perl-base is essential); python3 where it is not
const listenHelpers: readonly [string, string[]][] = [
  ['perl', ['-e', `open(my $s, "+<&=", ${listenFd}) or exit 2; listen($s, 511) or exit 3`]],
  ['python3', ['-c', `import socket; socket.socket(fileno=${listenFd}).listen(511)`]],
];

// the helper only calls listen(): a second is already far more than it needs
const helperTimeoutMs = 2_000;

function runListenHelper(fd: number, [command, args]: readonly [string, string[]]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore', 'ignore', fd], env: { PATH: process.env.PATH ?? '' } });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, helperTimeoutMs);
    const settle = (listening: boolean) => {
      clearTimeout(timer);
      resolve(listening);
    };
    child.once('error', () => settle(false));
    child.once('exit', (code) => settle(code === 0));
  });
}

/**
 * The listening socket of a supervisor in handoff mode. The supervisor binds it and keeps it from
 * one launch to the next; each backend receives it as fd 4 and accepts on it. This process never
 * calls accept: it holds a socket that is bound, and listening once a short helper process (perl
 * or python3) or the first backend has called listen() on it. From then on connections queue in
 * the kernel, across restarts too, until a backend accepts them.
 *
 * @example
 * const socket = new HandoffSocket();
 * const refused = socket.bind('127.0.0.1', 1733); // undefined, or an error code such as 'EADDRINUSE'
 * await socket.listen(); // connections queue from here on
 * socket.release();
 */
export class HandoffSocket {
  #handle: ServerHandle | undefined;
  #port = 0;
  #host = '';
  #listening: Promise<boolean> | undefined;

  /** The bound port; 0 while none is held. */
  get port(): number {
    return this.#port;
  }

  /** The host the socket is bound to. */
  get host(): string {
    return this.#host;
  }

  /** The socket's fd in this process; undefined while none is held. */
  get fd(): number | undefined {
    return this.#handle?.fd;
  }

  /** Binds `host:port` (releasing a socket held before); undefined on success, else the error code. */
  bind(host: string, port: number): string | undefined {
    if (!createServerHandle) return 'ENOTSUP';
    this.release();
    const handle = createServerHandle(host, port, net.isIPv6(host) ? 6 : 4, undefined, 0);
    if (typeof handle === 'number') return getSystemErrorName(handle);
    // libuv keeps EADDRINUSE from bind() for listen() to report; getsockname() reports it now,
    // before an unbound socket could listen on a port the kernel picks at random
    const bound: { port?: number } = {};
    const error = handle.getsockname(bound);
    if (error !== 0 || bound.port !== port) {
      handle.close();
      return error !== 0 ? getSystemErrorName(error) : 'EADDRINUSE';
    }
    this.#handle = handle;
    this.#port = port;
    this.#host = host;
    return undefined;
  }

  /**
   * Makes the held socket listen without accepting on it (a helper process calls listen() on a
   * copy of it); resolves false when no helper could, and then the backend's own listen() does it.
   */
  listen(): Promise<boolean> {
    const fd = this.fd;
    if (fd === undefined) return Promise.resolve(false);
    this.#listening ??= (async () => {
      for (const helper of listenHelpers) if (await runListenHelper(fd, helper)) return true;
      return false;
    })();
    return this.#listening;
  }

  /** Closes the socket: its port is free again, and queued connections are refused. */
  release(): void {
    this.#handle?.close();
    this.#handle = undefined;
    this.#port = 0;
    this.#listening = undefined;
  }
}
