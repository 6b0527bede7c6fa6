// Readiness overhead: status `running` (or a baseline's "ready") minus the backend's own LISTEN timestamp.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import waitOn from 'wait-on';
import { pauseUntilHint, ReadinessHints } from '../src/actors/readiness-hints.js';
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

/** Debian's python3 (or $BL_PYTHON) when it has FastAPI and uvicorn; undefined otherwise. */
function fastApiPython(): string | undefined {
  const python = process.env.BL_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const probe = spawnSync(python, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore' });
  return probe.status === 0 ? python : undefined;
}

/** The FastAPI example (uvicorn, the companion) through socket handoff, its READY=1 unused. */
export async function measureFastApiHandoff(runs: number): Promise<number[] | undefined> {
  const python = fastApiPython();
  if (!python || process.platform === 'win32') return undefined;
  const script = join(import.meta.dirname, 'fixtures', 'fastapi-stamped.py');
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const supervised = superviseTiny({ EXAMPLE_LOAD_SECONDS: '0' }, { command: python, args: [script], handoff: true });
    try {
      await supervised.supervisor.start();
    } finally {
      await supervised.supervisor.stop();
    }
    await sleep(20);
    const [listenAt] = stampsInLog(supervised.logFile(), 'LISTEN');
    const runningAt = supervised.firstAt((s) => s.status === 'running');
    if (listenAt === undefined || runningAt === undefined) throw new Error('missing timestamps');
    samples.push(runningAt - listenAt);
  }
  return samples;
}

/**
 * What the listen probe costs: CPU of this process (% of one core) while a health wait's pause
 * watches a port that refuses, for `windowMs` in the probe's finest phase (a start's first
 * seconds), beside the same pause without the probe.
 */
export async function measureProbeCpu(runs: number, windowMs: number): Promise<{ probe: number[]; none: number[] }> {
  const freePort = freshPorts(1).base; // nothing listens there: every probe is refused
  const cpuOfPause = async (probeListening: boolean) => {
    const before = process.cpuUsage();
    const wallBefore = epochMs();
    const signal = new AbortController().signal;
    await pauseUntilHint(windowMs, { hints: new ReadinessHints(), instanceId: 'bench', host: '127.0.0.1', port: freePort, signal, probeListening });
    const used = process.cpuUsage(before);
    return ((used.user + used.system) / 1000 / (epochMs() - wallBefore)) * 100;
  };
  const probe: number[] = [];
  const none: number[] = [];
  for (let i = 0; i < runs; i++) {
    probe.push(await cpuOfPause(true));
    none.push(await cpuOfPause(false));
  }
  return { probe, none };
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
