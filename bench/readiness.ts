// Readiness overhead: status `running` (or a baseline's "ready") minus the backend's own LISTEN timestamp.
import { setTimeout as sleep } from 'node:timers/promises';
import waitOn from 'wait-on';
import { spawnPlain, stampsInLog } from './lib/fixture.js';
import { epochMs, startDelays } from './lib/stats.js';
import { freshPorts, superviseTiny } from './lib/supervised.js';

async function ours(delayMs: number, notify: boolean): Promise<number> {
  const run = superviseTiny({ FIXTURE_READY_DELAY_MS: String(delayMs), FIXTURE_NOTIFY: notify ? '1' : '0' });
  try {
    await run.supervisor.start();
  } finally {
    await run.supervisor.stop();
  }
  await sleep(20); // the log stream flushes after the stop
  const [listenAt] = stampsInLog(run.logFile(), 'LISTEN');
  const runningAt = run.firstAt((s) => s.status === 'running');
  if (listenAt === undefined || runningAt === undefined) throw new Error('missing timestamps');
  return runningAt - listenAt;
}

async function plain(delayMs: number, waitUntilReady: (url: string) => Promise<void>): Promise<number> {
  const { base: port } = freshPorts();
  const backend = spawnPlain(port, { FIXTURE_READY_DELAY_MS: String(delayMs) });
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/api/health`);
    const readyAt = epochMs();
    return readyAt - (await backend.listen);
  } finally {
    backend.child.kill('SIGKILL');
    await backend.exited;
  }
}

/** wait-on at its defaults (interval 250 ms), as a team would drop it in. */
const withWaitOn = (url: string) => waitOn({ resources: [url.replace('http://', 'http-get://')], timeout: 10_000 });

/** The loop of MineContext's backend manager: try, then sleep 500 ms, until the health endpoint answers. */
async function fixedIntervalPolling(url: string): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
}

export async function measureReadiness(runs: number): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {
    'backend-lifecycle (READY=1 on the notify fd)': [],
    'backend-lifecycle (listen probe, no notification)': [],
    'wait-on 8, default 250 ms interval': [],
    "MineContext's fixed 500 ms polling": [],
  };
  for (const delay of startDelays(runs, 30, 530)) {
    samples['backend-lifecycle (READY=1 on the notify fd)']?.push(await ours(delay, true));
    samples['backend-lifecycle (listen probe, no notification)']?.push(await ours(delay, false));
    samples['wait-on 8, default 250 ms interval']?.push(await plain(delay, withWaitOn));
    samples["MineContext's fixed 500 ms polling"]?.push(await plain(delay, fixedIntervalPolling));
  }
  return samples;
}
