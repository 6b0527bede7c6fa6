import { createServer } from 'node:http';
import type { EventObject } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitorHealth } from '../../src/actors/monitor-health.js';
import { resolveOptions } from '../../src/options/options.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A health endpoint that always answers 500, counting the checks. */
async function failingBackend(): Promise<{ port: number; checks: () => number }> {
  let checks = 0;
  const server = createServer((_request, response) => {
    checks += 1;
    response.writeHead(500).end();
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(() => server.close());
  return { port: (server.address() as { port: number }).port, checks: () => checks };
}

/** Runs the monitor (threshold 1) with the given clock against a backend that always fails. */
async function monitor(now: () => number) {
  const backend = await failingBackend();
  const options = resolveOptions({ command: 'unused', health: { monitorIntervalMs: 20, failureThreshold: 1, requestTimeoutMs: 500 } });
  const events: EventObject[] = [];
  const run = createMonitorHealth(options, now) as unknown as (args: { input: unknown; sendBack: (event: EventObject) => void; receive: () => void }) => () => void;
  cleanups.push(run({ input: { port: backend.port, pid: undefined, instanceId: undefined, logFile: undefined }, sendBack: (event) => events.push(event), receive: () => {} }));
  await vi.waitFor(() => expect(events.map((event) => event.type)).toEqual(['health.failed']), { timeout: 3_000 });
  return backend.checks();
}

describe('liveness across a laptop sleep', () => {
  it('with a clock that runs normally, the first failed check reaches the threshold', async () => {
    expect(await monitor(Date.now)).toBe(1);
  });

  it('a check whose timer fired an hour late (the lid was closed) does not count: the next one decides', async () => {
    let calls = 0;
    // the monitor reads the clock when it schedules (call 1), then when the timer fires: an hour later
    const jumped = () => (++calls === 1 ? 0 : 3_600_000);
    expect(await monitor(jumped)).toBe(2);
  });

  it('a check during which the computer slept does not count either', async () => {
    let calls = 0;
    // schedule (1), timer fired on time (2), check started (3), answer an hour later (4 and on)
    const sleptDuringCheck = () => (++calls <= 3 ? 0 : 3_600_000);
    expect(await monitor(sleptDuringCheck)).toBe(2);
  });
});
