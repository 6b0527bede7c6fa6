// Start/stop cycles of a fast fixture in one process; prints one JSON line with what was left behind.
// Usage: node --expose-gc --import tsx test/soak/soak-run.ts <cycles>   (npm run soak runs 1,000)
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendSupervisor } from '../../src/index.js';
import { killAll, processesWithEnv } from '../helpers/leaks.js';
import { claimPortBlock } from '../helpers/test-ports.js';

const cycles = Number(process.argv[2] ?? 1000);
const marker = randomUUID();
const dir = mkdtempSync(join(tmpdir(), 'bl-soak-'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const supervisor = createBackendSupervisor({
  command: process.execPath,
  args: [join(import.meta.dirname, '../fixtures/healthy.mjs')],
  // from the allocator every test shares: another suite running meanwhile cannot meet this port
  port: claimPortBlock(20),
  logDir: join(dir, 'logs'),
  stateDir: join(dir, 'state'),
  env: { SOAK_MARKER: marker },
  shutdown: { graceMs: 1_000 },
});
const fdDir = existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';
const fds = () => readdirSync(fdDir).length;
const listeners = () => ['exit', 'SIGINT', 'SIGTERM'].reduce((sum, name) => sum + process.listenerCount(name), 0);
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

for (let i = 0; i < 3; i++) {
  await supervisor.start();
  await supervisor.stop();
}
await new Promise((resolve) => setTimeout(resolve, 200));
gc();
const before = { fds: fds(), listeners: listeners(), heapMb: heapMb() };
const began = Date.now();
let maxAlive = 0;
for (let i = 0; i < cycles; i++) {
  await supervisor.start();
  if (i % 50 === 0) maxAlive = Math.max(maxAlive, processesWithEnv('SOAK_MARKER', marker).length);
  await supervisor.stop();
}
await new Promise((resolve) => setTimeout(resolve, 200)); // let closed log streams and sockets settle
gc();
const after = { fds: fds(), listeners: listeners(), heapMb: heapMb() };
const leftovers = processesWithEnv('SOAK_MARKER', marker);
killAll(leftovers);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ cycles, ms: Date.now() - began, before, after, heapGrowthMb: after.heapMb - before.heapMb, leftovers, maxAlive }));
