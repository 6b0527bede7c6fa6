import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUp } from '../helpers/cli.js';
import { fixture, portRange, tempDir } from '../helpers/supervisor.js';

describe('backend-lifecycle up at the limits of the machine', () => {
  it.skipIf(process.platform === 'win32')('20 services under "ulimit -n 64": no crash, exit 1 with one line naming EMFILE, nothing left running', async () => {
    const dir = tempDir('up-fds');
    const services = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [
        `s${index}`,
        { command: process.execPath, args: [fixture('healthy.mjs')], port: portRange(3), logDir: 'logs', stateDir: 'state', guard: true, shutdown: { graceMs: 1_000 } },
      ]),
    );
    const file = join(dir, 'system.json');
    writeFileSync(file, JSON.stringify({ services }));
    const run = runUp([file], { fdLimit: 64 });
    expect(await run.exit).toBe(1);
    const stderr = run.stderr.join('');
    expect(stderr).not.toMatch(/Unhandled|is not iterable|node:internal|\n\s+at /);
    expect(stderr).toMatch(/^backend-lifecycle: service "s\d+": (SPAWN_FAILED|PORT_UNAVAILABLE): .*EMFILE/m);
  }, 120_000);
});
