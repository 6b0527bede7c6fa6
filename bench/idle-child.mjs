// Runs in its own Node process (built code, no loader): one supervised backend, default monitor interval,
// CPU and RSS measured over a quiet window. Prints one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [, , entry, backend, windowMs, port] = process.argv;
const { createBackendSupervisor } = await import(entry);
const dir = mkdtempSync(join(tmpdir(), 'bl-idle-'));
const supervisor = createBackendSupervisor({ command: backend, port: { base: Number(port), attempts: 10 }, logDir: dir, stateDir: dir });
await supervisor.start();
await sleep(12_000); // V8 shrinks the start-up heap ~8 s in (a burst of GC): open the window after it
const cpuBefore = process.cpuUsage();
const began = performance.now();
await sleep(Number(windowMs));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - began;
const rss = process.memoryUsage().rss;
await supervisor.stop();
console.log(JSON.stringify({ cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMb: rss / 2 ** 20, wallMs }));
