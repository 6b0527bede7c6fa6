import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentOf, processesWithEnv } from '../helpers/leaks.js';
import { markerEnv, portRange, tempDir, testMarker } from '../helpers/supervisor.js';

const host = join(import.meta.dirname, '../helpers/starting-host.ts');
// every orphan and its successor may hold a port at once: 2 × services within one 20-port block
const services = 10;
const rounds = 6;

/** Runs the host in `mode`; resolves with the child once it printed `line`. */
function runHost(mode: 'hold' | 'reap', dir: string, ports: { base: number; attempts: number }, line: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', host, mode, dir, String(ports.base), String(ports.attempts), String(services)], {
    env: { ...process.env, ...markerEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      if (output.split('\n').includes(line)) resolve();
    });
    void exited.then((code) => reject(new Error(`the ${mode} host exited (${code}) before printing "${line}"; it printed ${JSON.stringify(output)}`)));
  });
  return { child, exited, printed };
}

/** The instance ids of live backends (marked processes that carry one). */
function liveInstances(): { pid: number; instanceId: string }[] {
  return processesWithEnv('BL_TEST_MARKER', testMarker).flatMap((pid) => {
    const entry = environmentOf(pid).find((item) => item.startsWith('BACKEND_INSTANCE_ID='));
    return entry ? [{ pid, instanceId: entry.slice('BACKEND_INSTANCE_ID='.length) }] : [];
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once a backend of this test runs (or its host is gone). */
async function firstBackend(hostExited: Promise<unknown>): Promise<void> {
  let gone = false;
  void hostExited.then(() => {
    gone = true;
  });
  while (!gone && liveInstances().length === 0) await sleep(1);
}

describe('a host SIGKILLed at a random moment of a many-service start', () => {
  it(`never leaves a backend without its lockfile, and the next start reaps them all (${rounds} kills, ${services} services)`, { timeout: 600_000 }, async () => {
    const dir = tempDir('host-killed');
    const ports = portRange(services * 2);
    const orphansSeen: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const holder = runHost('hold', dir, ports, 'starting');
      await holder.printed;
      // odd rounds: any moment of the start; even rounds: within the burst of spawns, which
      // begins when the first backend appears
      if (round % 2 === 1) await sleep(Math.random() * 800);
      else await firstBackend(holder.exited).then(() => sleep(Math.random() * 20));
      holder.child.kill('SIGKILL');
      await holder.exited;

      const locks = existsSync(join(dir, 'state')) ? readdirSync(join(dir, 'state')) : [];
      const unrecorded = liveInstances().filter(({ instanceId }) => !locks.some((file) => file.includes(instanceId)));
      orphansSeen.push(liveInstances().length);
      expect(unrecorded, `round ${round}: live backends without a lockfile (locks: ${locks.join(', ')})`).toEqual([]);

      const reaper = runHost('reap', dir, ports, 'running');
      await reaper.printed;
      expect(await reaper.exited).toBe(0);
      expect(liveInstances(), `round ${round}: backends left after the next start and its stop`).toEqual([]);
    }
    // the kills must have landed while backends were live, or the test proved nothing
    expect(orphansSeen.some((count) => count > 0), `live backends after each kill: ${orphansSeen.join(', ')}`).toBe(true);
  });
});
