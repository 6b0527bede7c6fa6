// A chain of services (each depends on the one before) started as one system, against the sum of
// the same services started one by one by single supervisors in the same run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendServiceOptions, createBackendSystem } from '../src/index.js';
import { tinyBackend } from './lib/fixture.js';
import { epochMs } from './lib/stats.js';
import { freshPorts, superviseTiny } from './lib/supervised.js';

const env = { FIXTURE_READY_DELAY_MS: '50', FIXTURE_NOTIFY: '1' };

/** One service started alone by a supervisor: its own start-up time, supervisor included. */
async function startOne(): Promise<number> {
  const run = superviseTiny(env);
  const began = epochMs();
  try {
    await run.supervisor.start();
    return epochMs() - began;
  } finally {
    await run.supervisor.stop();
  }
}

/** `length` services in a chain (s1 ← s2 ← …), started as one system. */
async function startChain(length: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bl-bench-system-'));
  const services: Record<string, BackendServiceOptions> = {};
  for (let index = 1; index <= length; index++) {
    services[`s${index}`] = {
      command: tinyBackend,
      port: freshPorts(),
      logDir: join(dir, 'logs'),
      stateDir: join(dir, 'state'),
      restart: { maxRestarts: 0 },
      env,
      ...(index > 1 ? { dependsOn: [`s${index - 1}`] } : {}),
    };
  }
  const system = createBackendSystem({ services });
  const began = epochMs();
  try {
    await system.start();
    return epochMs() - began;
  } finally {
    await system.stop();
  }
}

/** Per round: the chain's start, and the sum of `length` single starts measured just before it. */
export async function measureChain(rounds: number, length: number): Promise<{ chain: number[]; sumOfSingles: number[] }> {
  await startOne(); // the first start loads the start-up modules: not what is measured
  const chain: number[] = [];
  const sumOfSingles: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let sum = 0;
    for (let index = 0; index < length; index++) sum += await startOne();
    sumOfSingles.push(sum);
    chain.push(await startChain(length));
  }
  return { chain, sumOfSingles };
}
