// A Node process that supervises one backend and then either exits without stopping it
// (like app.exit()) or waits to be SIGKILLed. Prints {"pid": <backend pid>}.
// Usage: node --import tsx child-supervisor.ts <exit|wait> <ignores-sigterm|python> <port base>
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendSupervisor } from '../../src/index.js';

const [, , mode, backend, portBase] = process.argv;
const dir = mkdtempSync(join(tmpdir(), 'bl-child-'));
const command =
  backend === 'python'
    ? { command: 'python3', args: [join(import.meta.dirname, '../../examples/python-backend/server.py')] }
    : { command: process.execPath, args: [join(import.meta.dirname, '../fixtures/ignores-sigterm.mjs')] };
const supervisor = createBackendSupervisor({ ...command, port: { base: Number(portBase), attempts: 10 }, logDir: dir, stateDir: dir });
const status = await supervisor.start();
console.log(JSON.stringify({ pid: status.pid }));
if (mode === 'exit') process.exit(0);
setInterval(() => {}, 1_000);
