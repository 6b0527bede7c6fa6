// One cold measurement in a fresh Node process (built code, no loader). Prints one JSON line.
// Usage: node cold-child.mjs <mode> <entry> <backend> <port> <dir> [count]
//   ours         import the package, start() one backend: start() → pid, LISTEN → running, script start → running
//   bare         Node's own spawn() → 'spawn' of the same backend (the floor of start() → pid)
//   handwritten  spawn + a fetch() every 5 ms until the health URL answers (script start → healthy)
//   loop         the longest event-loop block (monitorEventLoopDelay) during a cold start, a stop and a crash restart
//   loop-floor   the same around Node's own spawn of the backend, its LISTEN and its exit
//   loop-floor-host  Node's own spawn as in loop-floor, in a process that has imported the package and run a
//                supervisor (a fork costs more in a bigger process: the floor of a crash restart's block)
//   memory       RSS with <count> supervisors running (0: bare Node), after settling
//   memory-http  RSS of bare Node asking 10 plain backends once each through <count>: http (node:http),
//                client (undici's Client alone, as the package loads it: one connection per request), pool (undici's entry, a Pool per backend)
//   early        like ours, but start() comes 300 ms after the supervisor was created (an app's whenReady)
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

function spawnPlain(spawn, env = {}, onPort = port) {
  const child = spawn(backend, [], { env: { ...process.env, FIXTURE_READY_DELAY_MS: delayMs, ...env, BACKEND_PORT: String(onPort), BACKEND_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
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

/** One GET through undici's Client alone (its dispatcher and request API, no agent, pool or fetch), as src/http-client.ts does. */
async function clientAlone() {
  const [{ default: Client }, { default: Dispatcher }, { default: api }] = await Promise.all([
    import('undici/lib/dispatcher/client.js'),
    import('undici/lib/dispatcher/dispatcher.js'),
    import('undici/lib/api/index.js'),
  ]);
  if (typeof Dispatcher.prototype.request !== 'function') Object.assign(Dispatcher.prototype, api);
  return async (origin) => {
    const client = new Client(origin, { connect: { keepAlive: false } });
    const response = await client.request({ path: '/api/health', method: 'GET', reset: true });
    await response.body.dump();
    await client.close();
  };
}

const result = {};
if (mode === 'ours' || mode === 'early') {
  const { createBackendSupervisor } = await import(entry);
  result.importMs = performance.now() - began;
  const supervisor = createBackendSupervisor(options(0));
  if (mode === 'early') await sleep(300);
  let pidAt;
  supervisor.subscribe((status) => {
    if (status.pid !== undefined && pidAt === undefined) pidAt = epochMs();
  });
  const startAt = epochMs();
  await supervisor.start();
  const runningAt = epochMs();
  result.scriptToHealthyMs = performance.now() - began;
  // where the launch spent its time, as the supervisor's own timeline tells it (what `up --timings` prints)
  for (const mark of supervisor.timelines()[0]?.marks ?? []) result[`mark:${mark.name}`] ??= mark.atMs;
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
} else if (mode === 'loop' || mode === 'loop-floor' || mode === 'loop-floor-host') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(50);
  const longest = async (work) => {
    histogram.reset();
    // the histogram records the gap between two of its ticks, and reset() forgets the last one: a block
    // right after it (a spawn() called at once) would not be seen. One tick first.
    await sleep(3);
    await work();
    await sleep(5); // a block at the very end shows in the next sample
    return histogram.max / 1e6;
  };
  if (mode === 'loop') {
    const { createBackendSupervisor } = await import(entry);
    const supervisor = createBackendSupervisor({ ...options(0, { FIXTURE_CRASH_AFTER_MS: '' }), restart: { maxRestarts: 3, initialDelayMs: 10 } });
    result.startMs = await longest(() => supervisor.start());
    result.stopMs = await longest(() => supervisor.stop());
    // 1 s of life: under a heavy load the restarted backend must reach running before its own crash
    const crashing = createBackendSupervisor({ ...options(1, { FIXTURE_CRASH_AFTER_MS: '1000' }), restart: { maxRestarts: 3, initialDelayMs: 10 } });
    await crashing.start();
    let gaveUp = false;
    const restarted = new Promise((resolve) => {
      let crashed = false;
      crashing.subscribe((status) => {
        // a supervisor that gives up (its restarts crashed before running) leaves nothing to wait for: no sample
        if (status.status === 'error') gaveUp = true;
        if (status.status === 'error' || (status.status === 'running' && crashed)) resolve();
        else if (status.status !== 'running') crashed = true;
      });
    });
    const crashRestartMs = await longest(() => restarted);
    result.crashRestartMs = gaveUp ? Number.NaN : crashRestartMs;
    await crashing.stop();
  } else {
    if (mode === 'loop-floor-host') {
      const { createBackendSupervisor } = await import(entry);
      const host = createBackendSupervisor(options(1));
      await host.start();
      await host.stop();
      // what a stop leaves to finish after it resolved (its log's close, a last scan) is not the spawn's
      await sleep(1_000);
    }
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
} else if (mode === 'memory-http') {
  const { spawn } = await import('node:child_process');
  const backends = Array.from({ length: 10 }, (_, index) => spawnPlain(spawn, {}, port + index));
  await Promise.all(backends.map((plain) => plain.listen));
  const origins = backends.map((_, index) => `http://127.0.0.1:${port + index}`);
  if (countText === 'http') {
    const http = await import('node:http');
    const get = (origin) => new Promise((resolve) => http.get(`${origin}/api/health`, { agent: false }, (response) => response.resume().on('end', resolve)).on('error', resolve));
    for (const origin of origins) await get(origin);
  } else if (countText === 'client') {
    const ask = await clientAlone();
    for (const origin of origins) await ask(origin);
  } else {
    const { Pool } = await import('undici');
    const pools = origins.map((origin) => new Pool(origin, { connections: 1 }));
    for (const pool of pools) await (await pool.request({ path: '/api/health', method: 'GET' })).body.dump();
  }
  await sleep(3_000);
  globalThis.gc?.();
  await sleep(500);
  result.rssMb = process.memoryUsage().rss / 2 ** 20;
  for (const plain of backends) plain.child.kill('SIGKILL');
  await Promise.all(backends.map((plain) => plain.exited));
}
console.log(JSON.stringify(result));
process.exit(0);
