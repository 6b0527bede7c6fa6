import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { cliPath } from '../helpers/cli.js';
import { InspectionHub } from '../../src/ui/inspection-hub.js';
import { startUiServer } from '../../src/ui/server.js';
import { fixture, markerEnv, portRange, supervise, tempDir } from '../helpers/supervisor.js';

// the CLI runs with this few descriptors, so that a flood that could take them would show at once
const fdLimit = 256;
// the inspector holds at most an eighth of them (src/ui/connection-limits.ts); the rest is the supervisor's
const inspectorCap = fdLimit / 8;

interface UiRun {
  child: ChildProcess;
  statuses: BackendStatusInfo[];
  url: URL;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

/** `run --json --ui` of a healthy backend under `prlimit --nofile`, checked every 100 ms; resolves once running with the inspector's URL. */
async function runWithUi(): Promise<UiRun> {
  const dir = tempDir('ui-flood');
  const { base, attempts } = portRange();
  const args = ['run', '--json', '--ui', '--log-dir', join(dir, 'logs'), '--state-dir', join(dir, 'state'), '--port-base', String(base), '--port-attempts', String(attempts)];
  const checks = ['--monitor-interval-ms', '100', '--failure-threshold', '2', '--max-restarts', '0'];
  const child = spawn('prlimit', [`--nofile=${fdLimit}:${fdLimit}`, process.execPath, cliPath, ...args, ...checks, '--', process.execPath, fixture('healthy.mjs')], {
    env: { ...process.env, ...markerEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const statuses: BackendStatusInfo[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  const url = new Promise<URL>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      const found = /inspector at (\S+)/.exec(stderr);
      if (found) resolve(new URL(found[1] as string));
    });
  });
  const running = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      statuses.push(JSON.parse(line));
      if (statuses.at(-1)?.status === 'running') resolve();
    });
    void exit.then((code) => reject(new Error(`the CLI exited with ${code}: ${stderr}`)));
  });
  await running;
  return { child, statuses, url: await url, exit };
}

/** Open descriptors of `pid` (0 once it is gone). */
function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

type Flood = 'silent' | 'partial-headers' | 'no-token-keep-alive' | 'no-token-events';

/** One connection of the attacker's flood, who has no token: it never finishes, or asks without the token and stays. */
function floodConnection(port: number, kind: Flood): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.once('connect', () => {
      resolve();
      const host = `Host: 127.0.0.1:${port}\r\n`;
      if (kind === 'partial-headers') socket.write(`GET /api/events HTTP/1.1\r\n${host}X-Slow: `);
      if (kind === 'no-token-keep-alive') socket.write(`GET /api/status HTTP/1.1\r\n${host}Connection: keep-alive\r\n\r\n`);
      if (kind === 'no-token-events') socket.write(`GET /api/events HTTP/1.1\r\n${host}Accept: text/event-stream\r\n\r\n`);
    });
  });
}

/** A request with the token, as the inspector page makes it. */
function getWithToken(url: URL, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: url.port, path: `${path}?token=${url.searchParams.get('token')}`, headers: { host: url.host } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe.skipIf(process.platform !== 'linux')('the inspector server under a local connection flood (run --ui)', () => {
  it('property: whatever a tokenless local client floods it with, the backend stays running and the supervisor keeps its descriptors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Flood>('silent', 'partial-headers', 'no-token-keep-alive', 'no-token-events'), fc.integer({ min: 600, max: 1_500 }), async (kind, connections) => {
        const run = await runWithUi();
        const pid = run.child.pid as number;
        const baseline = openFds(pid);
        let most = baseline;
        const sample = setInterval(() => {
          most = Math.max(most, openFds(pid));
        }, 20);
        try {
          const port = Number(run.url.port);
          for (let opened = 0; opened < connections; opened += 50) {
            await Promise.all(Array.from({ length: Math.min(50, connections - opened) }, () => floodConnection(port, kind)));
          }
          // held for longer than several health checks (every 100 ms, two failures in a row are fatal)
          await new Promise((resolve) => setTimeout(resolve, 1_500));
        } finally {
          clearInterval(sample);
        }
        // nothing but "running" since the flood began, and the page still answers its owner while the flood holds on
        expect(run.statuses.at(-1)?.status).toBe('running');
        expect(await getWithToken(run.url, '/api/status')).toBe(200);
        for (const socket of sockets.splice(0)) socket.destroy();
        // the connections it may hold, plus a few accepted and closed at that moment
        console.log(`${kind} x${connections}: descriptors ${baseline} before, at most ${most} during`);
        expect(most - baseline).toBeLessThanOrEqual(inspectorCap + 8);
        run.child.kill('SIGTERM');
        expect(await run.exit).toBe(0);
      }),
      { numRuns: 4, endOnFailure: true, examples: [['silent', 800]] },
    );
  }, 180_000);

  it('an event-stream client that never reads is dropped once 256 KiB wait for it: what the server keeps for it stays bounded', async () => {
    const hub = new InspectionHub();
    const { supervisor } = supervise('floods-output.mjs', { inspect: hub.inspect, logMaxBytes: 2 ** 30, env: { FIXTURE_FLOOD_MB: '100' } });
    await supervisor.start();
    const ui = await startUiServer(supervisor, hub);
    try {
      const url = new URL(ui.url);
      const socket = connect({ host: '127.0.0.1', port: ui.port });
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`GET /api/events?token=${url.searchParams.get('token')} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      socket.pause();
      const started = Date.now();
      // the log of the flood is broadcast at about half a megabyte a second; the kernel's buffers (a few MB) fill first
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      const ended = new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 20_000);
      });
      socket.resume();
      expect(await ended).toBe(true);
      console.log(`dropped after ${Date.now() - started} ms with ${received} bytes delivered`);
    } finally {
      await ui.close();
    }
  }, 60_000);

  it('several inspector pages in one process (up --ui) share one connection budget', async () => {
    const hub = new InspectionHub();
    const { supervisor } = supervise('healthy.mjs', { inspect: hub.inspect });
    const pages = [await startUiServer(supervisor, hub), await startUiServer(supervisor, hub)];
    try {
      const open = new Set<Socket>();
      for (const page of pages) {
        for (let index = 0; index < 50; index++) {
          const socket = connect({ host: '127.0.0.1', port: page.port });
          sockets.push(socket);
          socket.on('error', () => {});
          socket.on('close', () => open.delete(socket));
          await new Promise((resolve) => socket.once('connect', resolve));
          open.add(socket);
        }
      }
      // every eviction has reached its client
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(open.size).toBeLessThanOrEqual(32);
    } finally {
      await Promise.all(pages.map((page) => page.close()));
    }
  });
});
