// Idle cost (separate process), import time of the entry, installed size of the runtime dependencies.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tinyBackend } from './lib/fixture.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const entry = join(root, 'dist', 'bundle', 'index.js');

const idleProcesses = 3;

// The RSS of one idle supervisor is bimodal on glibc (~10 MB apart between runs of the same code):
// whether memory that some helper thread allocated during start-up stays in a per-thread malloc
// arena. MALLOC_ARENA_MAX=1 makes every run the low one. Three processes, median and spread shown.
export async function measureIdle(windowMs: number) {
  const parse = ({ stdout }: { stdout: string }) => JSON.parse(stdout) as { cpuPercentOfOneCore: number; rssMb: number };
  // one after another: two idle supervisors measured at once read 0.5–0.7% each here, one alone 0.11%
  // (the same build, the same minute), so running them together measured the machine, not the supervisor
  const ours = [];
  for (let index = 0; index < idleProcesses; index++) {
    ours.push(parse(await run(process.execPath, [join(import.meta.dirname, 'idle-child.mjs'), entry, tinyBackend, String(windowMs), String(40_900 + index * 20)])));
  }
  // after ours, not beside them: six Node processes starting on two cores pushed start-up work into
  // the measured window (0.24% instead of 0.05% in one run)
  const undiciFloors = Array.from({ length: idleProcesses }, (_, index) =>
    run(process.execPath, [join(import.meta.dirname, 'idle-floor.mjs'), tinyBackend, String(windowMs), String(41_000 + index * 20), 'undici']),
  );
  const withUndici = (await Promise.all(undiciFloors)).map(parse);
  const bare = await run(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss / 2 ** 20), 200)']);
  const floor = parse(await run(process.execPath, [join(import.meta.dirname, 'idle-floor.mjs'), tinyBackend, String(windowMs), '40980']));
  return {
    cpuPercents: ours.map((one) => one.cpuPercentOfOneCore),
    rssMbs: ours.map((one) => one.rssMb),
    bareNodeRssMb: Number(bare.stdout),
    floorCpuPercent: floor.cpuPercentOfOneCore,
    httpFloorRssMb: floor.rssMb,
    undiciFloorRssMbs: withUndici.map((one) => one.rssMb),
  };
}

async function importMs(specifier: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return Number(stdout);
}

export async function measureImport(runs: number) {
  const ours: number[] = [];
  const xstateAlone: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await importMs(entry));
    xstateAlone.push(await importMs('xstate'));
  }
  return { ours, xstateAlone };
}

function sizeWithoutNested(dir: string): number {
  let total = 0;
  for (const entryName of readdirSync(dir)) {
    if (entryName === 'node_modules') continue;
    const path = join(dir, entryName);
    const stat = statSync(path);
    total += stat.isDirectory() ? sizeWithoutNested(path) : stat.size;
  }
  return total;
}

/** Bytes on disk of every package `npm ls --omit=dev` lists (each counted once, nested ones included). */
export async function measureInstalledSize(): Promise<{ packages: number; bytes: number }> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root });
  const dirs = [...new Set(stdout.trim().split('\n'))].filter((dir) => dir !== root);
  return { packages: dirs.length, bytes: dirs.reduce((sum, dir) => sum + sizeWithoutNested(dir), 0) };
}
