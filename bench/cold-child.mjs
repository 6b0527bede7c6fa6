// One cold measurement in a fresh Node process (built code, no loader). Prints one JSON line.
// Usage: node cold-child.mjs <mode> <entry> <backend> <port> <dir> [count]
//   ours         import the package, start() one backend: start() → pid, LISTEN → running, script start → running
//   bare         Node's own spawn() → 'spawn' of the same backend (the floor of start() → pid)
//   handwritten  spawn + a fetch() every 5 ms until the health URL answers (script start → healthy)
//   loop         the longest event-loop block (monitorEventLoopDelay) during a cold start, a stop and a crash restart
//   loop-floor   the same around Node's own spawn of the backend, its LISTEN and its exit
//   memory       RSS with <count> supervisors running (0: bare Node), after settling
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const began = performance.now();
const epochMs = () => performance.timeOrigin + performance.now();
const [, , mode, entry, backend, portText, dir, countText = '1'] = process.argv;
const port = Number(portText);
const delayMs = process.env.FIXTURE_READY_DELAY_MS ?? '0';
const listenStamp = (text) => Number(/^LISTEN ([0-9.]+)$/m.exec(text)?.[1]);

function options(index, env = {}) {
  return {
    name: `cold-${index}`,
    command: backend,
    port: { base: port + index * 2, attempts: 2 },
    logDir: join(dir, 'logs'),
    stateDir: join(dir, 'state'),
    restart: { maxRestarts: 0 },
    env: { FIXTURE_NOTIFY: '0', FIXTURE_READY_DELAY_MS: delayMs, ...env },
  };
}

function spawnPlain(spawn, env = {}) {
  const child = spawn(backend, [], { env: { ...process.env, FIXTURE_READY_DELAY_MS: delayMs, ...env, BACKEND_PORT: String(port), BACKEND_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const listen = new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const at = listenStamp(output);
      if (!Number.isNaN(at)) resolve(at);
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, listen, exited };
}

const result = {};
if (mode === 'ours') {
  const { createBackendSupervisor } = await import(entry);
  result.importMs = performance.now() - began;
  const supervisor = createBackendSupervisor(options(0));
  let pidAt;
  supervisor.subscribe((status) => {
    if (status.pid !== undefined && pidAt === undefined) pidAt = epochMs();
  });
  const startAt = epochMs();
  await supervisor.start();
  const runningAt = epochMs();
  result.scriptToHealthyMs = performance.now() - began;
  const logFile = supervisor.actor.getSnapshot().context.logFile;
  await supervisor.stop();
  await sleep(20); // the log stream flushes after the stop
  result.startToPidMs = pidAt - startAt;
  result.listenToRunningMs = runningAt - listenStamp(readFileSync(logFile, 'utf8'));
} else if (mode === 'bare') {
  const { spawn } = await import('node:child_process');
  const calledAt = performance.now();
  const plain = spawnPlain(spawn);
  await new Promise((resolve) => plain.child.once('spawn', resolve));
  result.spawnMs = performance.now() - calledAt;
  plain.child.kill('SIGKILL');
  await plain.exited;
} else if (mode === 'handwritten') {
  const { spawn } = await import('node:child_process');
  const plain = spawnPlain(spawn);
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not up yet
    }
    await sleep(5);
  }
  const healthyAt = epochMs();
  result.scriptToHealthyMs = performance.now() - began;
  result.listenToRunningMs = healthyAt - (await plain.listen);
  plain.child.kill('SIGKILL');
  await plain.exited;
} else if (mode === 'loop' || mode === 'loop-floor') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(50);
  const longest = async (work) => {
    histogram.reset();
    await work();
    await sleep(5); // a block at the very end shows in the next sample
    return histogram.max / 1e6;
  };
  if (mode === 'loop') {
    const { createBackendSupervisor } = await import(entry);
    const supervisor = createBackendSupervisor({ ...options(0, { FIXTURE_CRASH_AFTER_MS: '' }), restart: { maxRestarts: 3, initialDelayMs: 10 } });
    result.startMs = await longest(() => supervisor.start());
    result.stopMs = await longest(() => supervisor.stop());
    const crashing = createBackendSupervisor({ ...options(1, { FIXTURE_CRASH_AFTER_MS: '300' }), restart: { maxRestarts: 3, initialDelayMs: 10 } });
    await crashing.start();
    const restarted = new Promise((resolve) => {
      let crashed = false;
      crashing.subscribe((status) => {
        if (status.status !== 'running') crashed = true;
        else if (crashed) resolve();
      });
    });
    result.crashRestartMs = await longest(() => restarted);
    await crashing.stop();
  } else {
    const { spawn } = await import('node:child_process');
    let plain;
    result.startMs = await longest(async () => {
      plain = spawnPlain(spawn);
      await plain.listen;
    });
    result.stopMs = await longest(async () => {
      plain.child.kill('SIGTERM');
      await plain.exited;
    });
  }
  histogram.disable();
} else if (mode === 'memory') {
  const count = Number(countText);
  const supervisors = [];
  if (count > 0) {
    const { createBackendSupervisor } = await import(entry);
    for (let index = 0; index < count; index++) supervisors.push(createBackendSupervisor(options(index)));
    await Promise.all(supervisors.map((supervisor) => supervisor.start()));
  }
  await sleep(3_000);
  globalThis.gc?.();
  await sleep(500);
  result.rssMb = process.memoryUsage().rss / 2 ** 20;
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
}
console.log(JSON.stringify(result));
process.exit(0);
