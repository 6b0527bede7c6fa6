// A host (a Node process using the package) that starts many backends at once, as an app with
// several services does. Prints "starting" before the starts and "running" once all run.
// Mode "hold": then waits to be killed. Mode "reap": stops them all and exits 0 (every start
// first reaps what an earlier host of the same names left behind).
// Usage: node --import tsx starting-host.ts <hold|reap> <dir> <port base> <port attempts> <services>
import { join } from 'node:path';
import { createBackendSupervisor } from '../../src/index.js';

const [, , mode, dir = '', portBase, portAttempts, count] = process.argv;
const supervisors = Array.from({ length: Number(count) }, (_, index) =>
  createBackendSupervisor({
    name: `service-${index}`,
    command: process.execPath,
    args: [join(import.meta.dirname, '../fixtures/healthy.mjs')],
    port: { base: Number(portBase), attempts: Number(portAttempts) },
    logDir: join(dir, 'logs'),
    stateDir: join(dir, 'state'),
    shutdown: { graceMs: 2_000 },
    health: { startupTimeoutMs: 30_000, requestTimeoutMs: 5_000 },
  }),
);
console.log('starting');
await Promise.all(supervisors.map((supervisor) => supervisor.start()));
console.log('running');
if (mode === 'reap') {
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  process.exit(0);
}
setInterval(() => {}, 1_000);
