// The cold path (issue 24): every sample is a fresh Node process running the built package, as
// every app launch is. Beside each of our rows, its floor measured in the same run: Node's bare
// spawn, a hand-written spawn + fetch loop, Node's own spawn for event-loop blocks, bare Node's RSS.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tinyBackend } from './lib/fixture.js';
import { freshPorts } from './lib/supervised.js';

const run = promisify(execFile);
const entry = join(import.meta.dirname, '..', 'dist', 'bundle', 'index.js');
// a backend that boots in 150 ms (sleeping: its start costs no CPU, so only ours is measured)
const bootMs = '150';

async function child(script: string, args: string[], nodeFlags: string[] = []): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bl-cold-'));
  try {
    const { stdout } = await run(process.execPath, [...nodeFlags, join(import.meta.dirname, script), ...args.map((arg) => arg.replace('{dir}', dir))], {
      env: { ...process.env, FIXTURE_READY_DELAY_MS: bootMs },
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cold = (mode: string, size = 4, extra: string[] = [], flags: string[] = []) =>
  child('cold-child.mjs', [mode, entry, tinyBackend, String(freshPorts(size).base), '{dir}', ...extra], flags);

const collect = (samples: Record<string, number>[], key: string) => samples.map((sample) => sample[key] ?? Number.NaN);

/** `runs` cold samples of each mode, interleaved, so that the machine's load falls on every mode alike. */
async function interleaved<Mode extends string>(runs: number, modes: readonly Mode[]): Promise<Record<Mode, Record<string, number>[]>> {
  const samples = Object.fromEntries(modes.map((mode) => [mode, [] as Record<string, number>[]])) as Record<Mode, Record<string, number>[]>;
  for (let i = 0; i < runs; i++) for (const mode of modes) samples[mode].push(await cold(mode));
  return samples;
}

/** Cold start() → spawn, cold LISTEN → running (no notification), cold script start → healthy; with their floors. */
export async function measureColdStart(runs: number) {
  const { ours, early, bare, handwritten } = await interleaved(runs, ['ours', 'early', 'bare', 'handwritten']);
  return {
    startToPid: collect(ours, 'startToPidMs'),
    earlyStartToPid: collect(early, 'startToPidMs'),
    bareSpawn: collect(bare, 'spawnMs'),
    listenToRunning: collect(ours, 'listenToRunningMs'),
    handwrittenListenToReady: collect(handwritten, 'listenToRunningMs'),
    toHealthy: collect(ours, 'scriptToHealthyMs'),
    // the launch's own timeline (supervisor.timelines()): each mark, ms after start()
    timeline: Object.fromEntries(
      [...new Set(ours.flatMap((sample) => Object.keys(sample).filter((key) => key.startsWith('mark:'))))].map((key) => [key.slice('mark:'.length), collect(ours, key)]),
    ) as Record<string, number[]>,
    handwrittenToHealthy: collect(handwritten, 'scriptToHealthyMs'),
  };
}

/** The longest event-loop block during a cold start, a stop and a crash restart; Node's own spawn beside it. */
export async function measureLoopBlocks(runs: number) {
  const { loop: ours, 'loop-floor': floor, 'loop-floor-host': host } = await interleaved(runs, ['loop', 'loop-floor', 'loop-floor-host']);
  return {
    start: collect(ours, 'startMs'),
    stop: collect(ours, 'stopMs'),
    crashRestart: collect(ours, 'crashRestartMs'),
    floorStart: collect(floor, 'startMs'),
    floorStop: collect(floor, 'stopMs'),
    floorHostStart: collect(host, 'startMs'),
  };
}

/** RSS of bare Node, of one supervisor and of ten, each in its own process. */
export async function measureMemory(runs: number) {
  const rss = async (count: number) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push((await cold('memory', Math.max(2, count * 2), [String(count)], ['--expose-gc'])).rssMb ?? Number.NaN);
    return samples;
  };
  return { bare: await rss(0), one: await rss(1), ten: await rss(10) };
}

/** RSS of bare Node that asked 10 backends once each through node:http, undici's Client alone, or undici's Pool; interleaved. */
export async function measureHttpClientMemory(runs: number) {
  const samples = { http: [] as number[], client: [] as number[], pool: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const variant of ['http', 'client', 'pool'] as const) samples[variant].push((await cold('memory-http', 12, [variant], ['--expose-gc'])).rssMb ?? Number.NaN);
  }
  return samples;
}

/** 50 starts at once in a fresh process, profiled by V8's CPU profiler: self time by function over the window. */
export async function profileConcurrentStarts(count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bl-prof-'));
  const profilePath = join(dir, 'starts.cpuprofile');
  try {
    const result = await child('scale-child.mjs', [entry, tinyBackend, String(freshPorts(count * 2 + 5).base), String(count), profilePath]);
    return { oneMs: result.oneMs ?? Number.NaN, manyMs: result.manyMs ?? Number.NaN, top: selfTimes(JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Shares of the profile's samples by function (what the main thread did during the starts). */
function selfTimes(profile: CpuProfile): { what: string; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    const where = frame?.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/') || 'native';
    const what = `${frame?.functionName || '(anonymous)'} (${where})`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([what, count]) => ({ what, share: count / profile.samples.length }));
}
