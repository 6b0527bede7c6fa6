// The event loop's longest block during start() and stop(), beside Node's own spawn and kill of the
// same backend (the floor: libuv spawns on the main thread). Issue 21's goal is no block over 10 ms
// outside process.exit; this file measures it on this machine for each process strategy that runs
// here (on Linux: /proc, and `ps` forced). The Windows strategy's figure comes from the Wine lane
// (`npm run test:windows`, case "start and stop never run a synchronous subprocess"), since it runs
// only on win32. Usage: npm run bench:event-loop
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTinyBackend, spawnPlain } from './lib/fixture.js';
import { summarize } from './lib/stats.js';
import { freshPorts, superviseTiny } from './lib/supervised.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const histogram = monitorEventLoopDelay({ resolution: 1 });

async function longestBlock(work: () => Promise<unknown>): Promise<number> {
  histogram.reset();
  histogram.enable();
  // the histogram records the gap between two of its ticks, and reset() forgets the last one: a block
  // right after it (a spawn() called at once) would not be seen. One tick first.
  await sleep(3);
  await work();
  histogram.disable();
  return histogram.max / 1e6;
}

async function measure(strategy: string) {
  if (strategy === 'ps') process.env.BACKEND_LIFECYCLE_PLATFORM = 'ps';
  else delete process.env.BACKEND_LIFECYCLE_PLATFORM;
  const start: number[] = [];
  const stop: number[] = [];
  // one warm-up cycle: the first start loads execa, get-port and undici (module loading is synchronous)
  for (let i = 0; i <= runs; i++) {
    const { supervisor } = superviseTiny({});
    const started = await longestBlock(() => supervisor.start());
    const stopped = await longestBlock(() => supervisor.stop());
    if (i === 0) continue;
    start.push(started);
    stop.push(stopped);
  }
  return { start: summarize(start), stop: summarize(stop) };
}

async function floor() {
  const blocks: number[] = [];
  for (let i = 0; i < runs; i++) {
    blocks.push(
      await longestBlock(async () => {
        const plain = spawnPlain(freshPorts().base, {});
        await plain.listen;
        plain.child.kill('SIGKILL');
        await plain.exited;
      }),
    );
  }
  return summarize(blocks);
}

buildTinyBackend();
const rows = [`| measure (${runs} runs, ms) | median | p90 |`, '|---|---|---|'];
const row = (name: string, values: { median: number; p90: number }) => rows.push(`| ${name} | ${values.median.toFixed(1)} | ${values.p90.toFixed(1)} |`);
const strategies = process.platform === 'linux' ? ['proc', 'ps'] : ['default'];
for (const strategy of strategies) {
  const result = await measure(strategy);
  row(`longest event-loop block, start() (${strategy})`, result.start);
  row(`longest event-loop block, stop() (${strategy})`, result.stop);
}
row("longest event-loop block, Node's own spawn + kill (floor)", await floor());
console.log(rows.join('\n'));
process.exit(0);
