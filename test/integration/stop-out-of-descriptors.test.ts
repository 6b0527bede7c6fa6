import { execFile } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning } from '../helpers/leaks.js';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const entry = pathToFileURL(join(import.meta.dirname, '../../src/index.ts')).href;

// A host whose file descriptors run out while it stops a backend: the table is filled, `free`
// descriptors are left, and every one freed during the stop is taken back (the backend's pipes).
const host = `
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createBackendSupervisor } from ${JSON.stringify(entry)};
const [script, dir, base, free] = process.argv.slice(1);
const supervisor = createBackendSupervisor({
  command: process.execPath, args: [script], port: { base: Number(base), attempts: 20 },
  logDir: dir + '/logs', stateDir: dir + '/state', shutdown: { graceMs: 300 }, restart: { maxRestarts: 0 },
});
await supervisor.start();
const logFile = supervisor.actor.getSnapshot().context.logFile;
let escapee;
while (!(escapee = /escapee (\\d+)/.exec(readFileSync(logFile, 'utf8'))?.[1])) await new Promise((r) => setTimeout(r, 10));
const held = [];
const fill = () => { try { for (;;) held.push(openSync('/dev/null', 'r')); } catch {} for (let i = 0; i < Number(free); i++) { const fd = held.pop(); if (fd !== undefined) closeSync(fd); } };
let filling = true;
const keepFull = () => { if (!filling) return; fill(); setImmediate(keepFull); };
keepFull();
const outcome = await supervisor.stop().then((status) => ({ status: status.status }), (error) => ({ code: error.code, message: error.message }));
filling = false;
for (const fd of held.splice(0)) closeSync(fd);
// descriptors back: the next start of this same process reaps whatever the failed stop left
let aliveAfterStop = false;
try { aliveAfterStop = readFileSync('/proc/' + escapee + '/stat', 'utf8').split(') ')[1]?.[0] !== 'Z'; } catch {}
const again = await supervisor.start().then(() => 'running', (error) => error.code);
await supervisor.stop().catch(() => {});
console.log(JSON.stringify({ escapee: Number(escapee), aliveAfterStop, again, ...outcome }));
process.exit(0);
`;

const escapees: number[] = [];
afterEach(async () => {
  for (const pid of escapees.splice(0)) {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    // gone before the leak check that follows looks for it
    for (let waited = 0; isRunning(pid) && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

interface HostOutcome {
  escapee: number;
  aliveAfterStop: boolean;
  again: string;
  status?: string;
  code?: string;
  message?: string;
}

function stopWithDescriptors(free: number, env: NodeJS.ProcessEnv = process.env): Promise<HostOutcome> {
  const dir = tempDir('fds');
  const { base } = portRange();
  // a descriptor limit of its own: the test's own process is never short of them
  const shell = 'ulimit -n 256; exec "$0" --import tsx --input-type=module -e "$1" "$2" "$3" "$4" "$5"';
  return new Promise((resolve, reject) =>
    execFile('/bin/sh', ['-c', shell, process.execPath, host, fixture('escapes-group.mjs'), dir, String(base), String(free)], { cwd: join(import.meta.dirname, '../..'), env: { ...env, ...markerEnv }, timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) return reject(new Error(`the host printed no outcome: ${error?.message ?? ''}\n${stderr}`));
      const outcome = JSON.parse(line) as HostOutcome;
      escapees.push(outcome.escapee);
      resolve(outcome);
    }),
  );
}

describe.runIf(process.platform === 'linux')('a stop whose host runs out of file descriptors', () => {
  for (const free of [0, 3, 5, 8]) {
    it(`with ${free} descriptors left: the member that left the group is stopped, or the stop says it could not be (never "stopped" with it alive)`, async () => {
      const outcome = await stopWithDescriptors(free);
      if (outcome.status === 'stopped') expect(outcome.aliveAfterStop, JSON.stringify(outcome)).toBe(false);
      else {
        expect(outcome.code, JSON.stringify(outcome)).toBe('STOP_FAILED');
        expect(outcome.message).toMatch(/too many open files|EMFILE|process table cannot be read/);
      }
      // a failed stop keeps the lock: the same process's next start (descriptors back) reaped the member
      expect(outcome.again).toBe('running');
      expect(isRunning(outcome.escapee), JSON.stringify(outcome)).toBe(false);
    }, 90_000);
  }

  it.runIf(process.env.BACKEND_LIFECYCLE_PLATFORM === 'ps')('the ps strategy without ps on PATH: the stop says the table cannot be read (never "stopped" with the member alive)', async () => {
    // a PATH with node alone (its own folder may hold ps too, /usr/bin): the fixture still runs, ps cannot be found
    const bin = tempDir('no-ps');
    symlinkSync(process.execPath, join(bin, 'node'));
    const outcome = await stopWithDescriptors(10_000, { ...process.env, PATH: bin });
    if (outcome.status === 'stopped') expect(outcome.aliveAfterStop, JSON.stringify(outcome)).toBe(false);
    else {
      expect(outcome.message, JSON.stringify(outcome)).toMatch(/process table cannot be read/);
      // the next start cannot verify what the lock names either: it says so rather than drop the lock
      expect(outcome.again).toBe('SPAWN_FAILED');
    }
  }, 90_000);
});
