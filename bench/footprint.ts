// Idle cost (separate process), import time of the entry, installed size of the runtime dependencies.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tinyBackend } from './lib/fixture.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const entry = join(root, 'dist', 'bundle', 'index.js');

export async function measureIdle(windowMs: number) {
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'idle-child.mjs'), entry, tinyBackend, String(windowMs), '40900']);
  const ours = JSON.parse(stdout) as { cpuPercentOfOneCore: number; rssMb: number };
  const bare = await run(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss / 2 ** 20), 200)']);
  const floor = JSON.parse((await run(process.execPath, [join(import.meta.dirname, 'idle-floor.mjs'), tinyBackend, String(windowMs), '40920'])).stdout) as { cpuPercentOfOneCore: number };
  return { ...ours, bareNodeRssMb: Number(bare.stdout), floorCpuPercent: floor.cpuPercentOfOneCore };
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
