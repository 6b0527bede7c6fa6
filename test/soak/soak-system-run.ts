// Start/stop cycles of a three-service system (db ← api, db ← worker) in one process, with a
// restart of db in every tenth; prints one JSON line with what was left behind.
// Usage: node --expose-gc --import tsx test/soak/soak-system-run.ts <cycles>   (npm run soak runs 100)
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendSystem } from '../../src/index.js';
import { killAll, processesWithEnv } from '../helpers/leaks.js';

const cycles = Number(process.argv[2] ?? 200);
const marker = randomUUID();
const dir = mkdtempSync(join(tmpdir(), 'bl-soak-system-'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const service = (base: number, dependsOn: string[] = []) => ({
  command: process.execPath,
  args: [join(import.meta.dirname, '../fixtures/healthy.mjs')],
  port: { base, attempts: 20 },
  logDir: join(dir, 'logs'),
  stateDir: join(dir, 'state'),
  env: { SOAK_MARKER: marker },
  shutdown: { graceMs: 1_000 },
  dependsOn,
});
// below the test ports' allocator and the single soak's 37000 block
const system = createBackendSystem({ services: { db: service(37_100), api: service(37_120, ['db']), worker: { ...service(37_140, ['db']), onDependencyFailure: 'stop' as const } } });
const fdDir = existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';
const fds = () => readdirSync(fdDir).length;
const listeners = () => ['exit', 'SIGINT', 'SIGTERM'].reduce((sum, name) => sum + process.listenerCount(name), 0);
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

let maxAlive = 0;
const cycle = async (index: number) => {
  await system.start();
  if (index % 20 === 0) maxAlive = Math.max(maxAlive, processesWithEnv('SOAK_MARKER', marker).length);
  if (index % 10 === 0) {
    await system.restart('db');
    await system.start(); // worker (policy stop) went down with db: bring it back
  }
  await system.stop();
};
for (let i = 0; i < 3; i++) await cycle(i);
await new Promise((resolve) => setTimeout(resolve, 200));
gc();
const before = { fds: fds(), listeners: listeners(), heapMb: heapMb() };
const began = Date.now();
for (let i = 0; i < cycles; i++) await cycle(i);
await new Promise((resolve) => setTimeout(resolve, 200)); // let closed log streams and sockets settle
gc();
const after = { fds: fds(), listeners: listeners(), heapMb: heapMb() };
const leftovers = processesWithEnv('SOAK_MARKER', marker);
killAll(leftovers);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ cycles, ms: Date.now() - began, before, after, heapGrowthMb: after.heapMb - before.heapMb, leftovers, maxAlive }));
