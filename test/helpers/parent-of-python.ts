// A parent that supervises the example Python backend, prints its pid, and waits to be SIGKILLed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendSupervisor } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bl-parent-'));
const supervisor = createBackendSupervisor({
  command: 'python3',
  args: [join(import.meta.dirname, '../../examples/python-backend/server.py')],
  port: { base: Number(process.argv[2]), attempts: 10 },
  logDir: dir,
  stateDir: dir,
});
const status = await supervisor.start();
console.log(JSON.stringify({ pid: status.pid }));
setInterval(() => {}, 1_000);
