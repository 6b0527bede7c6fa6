// Crash detection and stop latency, each against Node's own 'exit' event on a plain child (the floor).
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnPlain, stamps, stampsInLog } from './lib/fixture.js';
import { epochMs } from './lib/stats.js';
import { freshPorts, superviseTiny } from './lib/supervised.js';

async function settleLog(): Promise<void> {
  await sleep(20);
}

export async function measureCrashDetection(runs: number) {
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    // 300 ms of life: under a heavy load a 50 ms backend crashed before its first health check passed (CRASHED_DURING_STARTUP ended the bench)
    const run = superviseTiny({ FIXTURE_CRASH_AFTER_MS: '300' });
    await run.supervisor.start();
    await new Promise<void>((resolve) => run.supervisor.subscribe((s) => s.status === 'error' && resolve()));
    await run.supervisor.stop();
    await settleLog();
    const [exitAt] = stampsInLog(run.logFile(), 'EXIT');
    const seenAt = run.firstAt((s) => s.error?.code === 'EXITED_UNEXPECTEDLY');
    if (exitAt === undefined || seenAt === undefined) throw new Error('missing crash timestamps');
    ours.push(seenAt - exitAt);

    const plain = spawnPlain(freshPorts().base, { FIXTURE_CRASH_AFTER_MS: '300' });
    const exitedAt = await plain.exited;
    const [plainExit] = stamps(plain.output(), 'EXIT');
    floor.push(exitedAt - (plainExit ?? Number.NaN));
  }
  return { ours, floor };
}

export async function measureStop(runs: number) {
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = superviseTiny({});
    await run.supervisor.start();
    await run.supervisor.stop();
    const resolvedAt = epochMs();
    await settleLog();
    const [exitAt] = stampsInLog(run.logFile(), 'EXIT');
    ours.push(resolvedAt - (exitAt ?? Number.NaN));

    const plain = spawnPlain(freshPorts().base, {});
    await plain.listen;
    plain.child.kill('SIGTERM');
    const exitedAt = await plain.exited;
    floor.push(exitedAt - (stamps(plain.output(), 'EXIT')[0] ?? Number.NaN));
  }
  return { ours, floor };
}

export async function measureStubbornStop(runs: number, graceMs: number) {
  const beyondGrace: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = superviseTiny({ FIXTURE_IGNORE_TERM: '1' }, { shutdown: { graceMs } });
    await run.supervisor.start();
    const began = epochMs();
    await run.supervisor.stop();
    beyondGrace.push(epochMs() - began - graceMs);
  }
  return beyondGrace;
}
