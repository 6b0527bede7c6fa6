import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPortFree } from '../../src/actors/allocate-port.js';
import { HandoffSocket } from '../../src/net/handoff-socket.js';
import { runCli } from '../helpers/cli.js';
import { fixture, nextStatus, portRange, supervise } from '../helpers/supervisor.js';
import { refusalOf } from '../helpers/refusal.js';

const handoff = { handoff: true, args: [] as string[] };
const handedSocket = (env: Record<string, string> = {}) => ({
  ...handoff,
  args: [new URL('../fixtures/serves-handed-socket.mjs', import.meta.url).pathname, '--fd', '{fd}'],
  env,
});

async function whoami(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/whoami`);
  return ((await response.json()) as { instanceId: string }).instanceId;
}

describe.skipIf(process.platform === 'win32')('socket handoff', () => {
  it('the backend accepts on the socket it was handed, and a connection made before it serves waits instead of being refused', async () => {
    const { supervisor } = supervise('serves-handed-socket.mjs', handedSocket({ FIXTURE_READY_DELAY_MS: '800' }));
    const starting = supervisor.start();
    const { port } = await nextStatus(supervisor, (s) => s.port > 0);
    // the backend is still sleeping: it has not called accept, nor listen, yet
    const early = whoami(port);
    const running = await starting;
    expect(running.port).toBe(port);
    expect(await early).toBe(supervisor.actor.getSnapshot().context.instanceId);
    const log = readFileSync(supervisor.getStatus().error?.logFile ?? supervisor.actor.getSnapshot().context.logFile ?? '', 'utf8');
    expect(log).toContain(`as fd 4 (BACKEND_LISTEN_FD)`);
    expect(log).toContain('fixture accepting on fd 4');
  });

  it('a restart keeps the port, and a request sent while the backend is down is answered by the next one', async () => {
    const { supervisor } = supervise('serves-handed-socket.mjs', {
      ...handedSocket(),
      restart: { maxRestarts: 2, initialDelayMs: 500, maxDelayMs: 500 },
    });
    const { port } = await supervisor.start();
    const first = supervisor.actor.getSnapshot().context.instanceId;
    await fetch(`http://127.0.0.1:${port}/api/crash`, { method: 'POST' });
    await nextStatus(supervisor, (s) => s.status === 'starting' && s.restarts === 1);
    // nobody accepts on the port during the back-off: the kernel queues this connection
    const during = whoami(port);
    const again = await nextStatus(supervisor, (s) => s.status === 'running');
    expect(again.port).toBe(port);
    const answeredBy = await during;
    expect(answeredBy).not.toBe(first);
    expect(answeredBy).toBe(supervisor.actor.getSnapshot().context.instanceId);
  });

  it('stop() closes the socket: the port is free again, and a new start binds it afresh', async () => {
    const { supervisor } = supervise('serves-handed-socket.mjs', handedSocket());
    const { port } = await supervisor.start();
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
    await supervisor.stop();
    expect(await isPortFree('127.0.0.1', port)).toBe(true);
    const restarted = await supervisor.start();
    expect(await whoami(restarted.port)).toBe(supervisor.actor.getSnapshot().context.instanceId);
  });

  it('a backend that binds the port itself instead of accepting on the socket fails with PORT_UNAVAILABLE, and the log says why', async () => {
    const { supervisor } = supervise('healthy.mjs', { handoff: true });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'PORT_UNAVAILABLE' });
    const logFile = supervisor.getStatus().error?.logFile ?? '';
    expect(supervisor.getStatus().error?.message).toContain(logFile);
    expect(readFileSync(logFile, 'utf8')).toContain('the backend must accept on it, not bind the port itself');
  });

  it('"{fd}" without handoff is refused at creation', () => {
    expect(refusalOf({ command: 'uvicorn', args: ['app:app', '--fd', '{fd}'] })).toBe(
      'Invalid option "args": expected no "{fd}" unless "handoff" is true (it stands for the handed-over socket), got an array (["app:app","--fd","{fd}"])',
    );
    expect(refusalOf({ command: 'uvicorn', handoff: 'yes' })).toContain('"handoff"');
  });
});

describe.skipIf(process.platform === 'win32')('the handoff socket itself', () => {
  it('binds a free port, refuses a taken one by its code, and frees the port on release', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    const socket = new HandoffSocket();
    try {
      expect(socket.bind('127.0.0.1', takenPort)).toBe('EADDRINUSE');
      expect(socket.fd).toBeUndefined();
      const { base } = portRange();
      expect(socket.bind('127.0.0.1', base)).toBeUndefined();
      expect(socket.port).toBe(base);
      expect(await socket.listen()).toBe(true);
      // listening, and nobody accepts: the kernel completes the connection and queues it
      await new Promise<void>((resolve, reject) => connect(base, '127.0.0.1').once('connect', function (this: Socket) {
        this.destroy();
        resolve();
      }).once('error', reject));
      socket.release();
      expect(await isPortFree('127.0.0.1', base)).toBe(true);
    } finally {
      socket.release();
      taken.close();
    }
  });

  it('without perl or python3 on PATH the backend\'s own listen() makes the socket listen, and all still works', async () => {
    const socket = new HandoffSocket();
    const { base } = portRange();
    const { supervisor } = supervise('serves-handed-socket.mjs', handedSocket());
    const path = process.env.PATH;
    // the helpers are looked up on the supervisor's PATH; the backend is an absolute path
    process.env.PATH = '';
    try {
      expect(socket.bind('127.0.0.1', base)).toBeUndefined();
      expect(await socket.listen()).toBe(false);
      const running = await supervisor.start();
      expect(await whoami(running.port)).toBe(supervisor.actor.getSnapshot().context.instanceId);
    } finally {
      process.env.PATH = path;
      socket.release();
    }
  });

  it('a fixed port that another program holds is PORT_UNAVAILABLE, and that program is left alone', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const { supervisor } = supervise('serves-handed-socket.mjs', { ...handedSocket(), port: takenPort });
      await expect(supervisor.start()).rejects.toMatchObject({ code: 'PORT_UNAVAILABLE', message: expect.stringContaining(`port ${takenPort} on 127.0.0.1 belongs to another program`) });
      expect(taken.listening).toBe(true);
    } finally {
      taken.close();
    }
  });
});

describe.skipIf(process.platform === 'win32')('socket handoff from the CLI', () => {
  it('run --handoff hands the socket over and expands {fd} in the backend arguments', async () => {
    const run = runCli(['--handoff', '--', process.execPath, fixture('serves-handed-socket.mjs'), '--fd', '{fd}']);
    const running = await run.waitFor((s) => s.status === 'running');
    expect(await whoami(running.port)).toMatch(/^[0-9a-f-]{36}$/);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(await isPortFree('127.0.0.1', running.port)).toBe(true);
  });
});
