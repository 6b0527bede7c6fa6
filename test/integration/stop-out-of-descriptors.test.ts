import { execFile } from 'node:child_process';
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
console.log(JSON.stringify({ escapee: Number(escapee), ...outcome }));
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

function stopWithDescriptors(free: number): Promise<{ escapee: number; status?: string; code?: string; message?: string }> {
  const dir = tempDir('fds');
  const { base } = portRange();
  // a descriptor limit of its own: the test's own process is never short of them
  const shell = 'ulimit -n 256; exec "$0" --import tsx --input-type=module -e "$1" "$2" "$3" "$4" "$5"';
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', shell, process.execPath, host, fixture('escapes-group.mjs'), dir, String(base), String(free)], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, ...markerEnv }, timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) return reject(new Error(`the host printed no outcome: ${error?.message ?? ''}\n${stderr}`));
      const outcome = JSON.parse(line) as { escapee: number };
      escapees.push(outcome.escapee);
      resolve(outcome);
    }),
  );
}

describe.runIf(process.platform === 'linux')('a stop whose host runs out of file descriptors', () => {
  for (const free of [0, 3, 8]) {
    it(`with ${free} descriptors left: the member that left the group is stopped, or the stop says it could not be (never "stopped" with it alive)`, async () => {
      const outcome = await stopWithDescriptors(free);
      const alive = isRunning(outcome.escapee);
      if (outcome.status === 'stopped') expect(alive, JSON.stringify(outcome)).toBe(false);
      else {
        expect(outcome.code, JSON.stringify(outcome)).toBe('STOP_FAILED');
        expect(outcome.message).toMatch(/too many open files|EMFILE/);
      }
    }, 90_000);
  }
});
