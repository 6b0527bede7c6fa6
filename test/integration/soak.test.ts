import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cycles = Number(process.env.SOAK_CYCLES ?? 100);

describe('soak', () => {
  it(`${cycles} start/stop cycles in one process leave no process, no fd, no listener behind, and heap growth under 10 MB`, async () => {
    const script = join(import.meta.dirname, '../soak/soak-run.ts');
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(cycles)], { timeout: 600_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result.leftovers).toEqual([]);
    expect(result.maxAlive).toBeLessThanOrEqual(1);
    expect(result.after.fds).toBe(result.before.fds);
    expect(result.after.listeners).toBe(result.before.listeners);
    expect(result.heapGrowthMb).toBeLessThan(10);
    console.log(`soak: ${cycles} cycles in ${result.ms} ms, heap ${result.heapGrowthMb.toFixed(2)} MB, fds ${result.before.fds}→${result.after.fds}`);
  }, 900_000);

  const systemCycles = Math.ceil(cycles / 10);
  it(`${systemCycles} start/stop cycles of a three-service system (db restarted every tenth) leave no process, no fd, no listener behind, and heap growth under 10 MB`, async () => {
    const script = join(import.meta.dirname, '../soak/soak-system-run.ts');
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(systemCycles)], { timeout: 900_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result.leftovers).toEqual([]);
    expect(result.maxAlive).toBe(3);
    expect(result.after.fds).toBe(result.before.fds);
    expect(result.after.listeners).toBe(result.before.listeners);
    expect(result.heapGrowthMb).toBeLessThan(10);
    console.log(`soak (system): ${systemCycles} cycles in ${result.ms} ms, heap ${result.heapGrowthMb.toFixed(2)} MB, fds ${result.before.fds}→${result.after.fds}`);
  }, 900_000);
});
