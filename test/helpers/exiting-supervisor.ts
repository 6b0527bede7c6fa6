// A Node process that starts a backend and then exits without stopping it (like app.exit()).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendSupervisor } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bl-exit-'));
const supervisor = createBackendSupervisor({
  command: process.execPath,
  args: [join(import.meta.dirname, '../fixtures/ignores-sigterm.mjs')],
  port: { base: Number(process.argv[2]), attempts: 10 },
  logDir: dir,
  stateDir: dir,
});
const status = await supervisor.start();
console.log(JSON.stringify({ pid: status.pid }));
process.exit(0);
