import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { processesWithEnv } from '../helpers/leaks.js';
import { markerEnv, portRange, testMarker } from '../helpers/supervisor.js';

const run = promisify(execFile);

describe('Node exiting without a stop', () => {
  it('process.exit() with a live backend (and its SIGTERM-ignoring grandchild) leaves nothing behind', async () => {
    const script = join(import.meta.dirname, '../helpers/child-supervisor.ts');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, 'exit', 'ignores-sigterm', String(portRange().base)], { env: { ...process.env, ...markerEnv } });
    const { pid } = JSON.parse(stdout.trim()) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    // SIGKILL is delivered synchronously in the exit hook; the kernel needs a moment to reap
    const deadline = Date.now() + 2_000;
    while (processesWithEnv('BL_TEST_MARKER', testMarker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(processesWithEnv('BL_TEST_MARKER', testMarker)).toEqual([]);
  });
});
