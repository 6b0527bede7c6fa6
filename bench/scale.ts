// 50 supervisors in one process starting at once from one port range, and status fan-out to 50 subscribers.
import { spawnPlain } from './lib/fixture.js';
import { epochMs } from './lib/stats.js';
import { freshPorts, superviseTiny } from './lib/supervised.js';

const startupMs = '300'; // a backend that sleeps 300 ms before listening: its own startup costs no CPU

async function startAll(count: number): Promise<{ elapsed: number; distinctPorts: number }> {
  const range = freshPorts(count * 2);
  const runs = Array.from({ length: count }, () => superviseTiny({ FIXTURE_READY_DELAY_MS: startupMs }, { port: range }));
  const began = epochMs();
  try {
    const statuses = await Promise.all(runs.map((run) => run.supervisor.start()));
    return { elapsed: epochMs() - began, distinctPorts: new Set(statuses.map((s) => s.port)).size };
  } finally {
    await Promise.all(runs.map((run) => run.supervisor.stop()));
  }
}

/** The floor: plain child_process spawns of the same backend, waiting only for their own LISTEN lines. */
async function spawnAllPlain(count: number): Promise<number> {
  const range = freshPorts(count);
  const began = epochMs();
  const backends = Array.from({ length: count }, (_, i) => spawnPlain(range.base + i, { FIXTURE_READY_DELAY_MS: startupMs }));
  try {
    // a backend that cannot bind never says LISTEN: fail the bench instead of waiting for ever
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not all ${count} plain backends listened within 15 s (a port was taken?)`)), 15_000);
    });
    await Promise.race([Promise.all(backends.map((backend) => backend.listen)), deadline]).finally(() => clearTimeout(timer));
    return epochMs() - began;
  } finally {
    for (const backend of backends) backend.child.kill('SIGKILL');
    await Promise.all(backends.map((backend) => backend.exited));
  }
}

export async function measureScale(rounds: number, count: number) {
  const one: number[] = [];
  const many: number[] = [];
  const plainOne: number[] = [];
  const plainMany: number[] = [];
  let collisions = 0;
  for (let round = 0; round < rounds; round++) {
    one.push((await startAll(1)).elapsed);
    const result = await startAll(count);
    many.push(result.elapsed);
    collisions += count - result.distinctPorts;
    plainOne.push(await spawnAllPlain(1));
    plainMany.push(await spawnAllPlain(count));
  }
  return { one, many, collisions, plainOne, plainMany };
}

/** Time from the first to the last of `count` subscribers being told about one change. */
export async function measureFanOut(cycles: number, count: number): Promise<number[]> {
  const run = superviseTiny({});
  const first: number[] = [];
  const spans: number[] = [];
  run.supervisor.subscribe(() => first.push(performance.now()));
  for (let i = 1; i < count - 1; i++) run.supervisor.subscribe(() => {});
  run.supervisor.subscribe(() => spans.push(performance.now() - (first.at(-1) ?? Number.NaN)));
  for (let cycle = 0; cycle < cycles; cycle++) {
    await run.supervisor.start();
    await run.supervisor.stop();
  }
  return spans;
}
