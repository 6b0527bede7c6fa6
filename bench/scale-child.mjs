// 50 starts at once in a fresh Node process (built code), after one warm start. With a profile
// path, the V8 CPU profiler (what --cpu-prof writes) records the 50 starts alone, not the stops.
// Prints one JSON line. Usage: node scale-child.mjs <entry> <backend> <port base> <count> [profile.json]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [, , entry, backend, portText, countText, profilePath] = process.argv;
const count = Number(countText);
const { createBackendSupervisor } = await import(entry);
const dir = mkdtempSync(join(tmpdir(), 'bl-scale-'));
const supervise = (port) =>
  createBackendSupervisor({
    command: backend,
    port,
    logDir: join(dir, 'logs'),
    stateDir: join(dir, 'state'),
    restart: { maxRestarts: 0 },
    env: { FIXTURE_READY_DELAY_MS: '300' },
  });
const warm = supervise({ base: Number(portText), attempts: 5 });
await warm.start();
await warm.stop();
const session = new Session();
session.connect();
const timed = async (supervisors, profile = false) => {
  if (profile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const began = performance.now();
  await Promise.all(supervisors.map((supervisor) => supervisor.start()));
  const elapsed = performance.now() - began;
  if (profile) writeFileSync(profilePath, JSON.stringify((await session.post('Profiler.stop')).profile));
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  return elapsed;
};
const range = { base: Number(portText) + 5, attempts: count * 2 };
const oneMs = await timed([supervise(range)]);
const manyMs = await timed(Array.from({ length: count }, () => supervise(range)), profilePath !== undefined);
console.log(JSON.stringify({ oneMs, manyMs }));
process.exit(0);
