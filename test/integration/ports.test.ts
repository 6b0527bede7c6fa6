import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portRange, supervise } from '../helpers/supervisor.js';

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('ports, probed by get-port', () => {
  it('a supervisor keeps its own port across stops, starts and restarts, even in a range of two (get-port locks what it hands out for 15–30 s)', async () => {
    const range = portRange(2);
    const { supervisor } = supervise('healthy.mjs', { port: range });
    const first = await supervisor.start();
    const ports = [first.port];
    for (let cycle = 0; cycle < 5; cycle++) {
      await supervisor.stop();
      ports.push((await supervisor.start()).port);
      ports.push((await supervisor.restart()).port);
    }
    expect(new Set(ports)).toEqual(new Set([first.port]));
  });

  it('supervisors created one after another in one process reuse the port the last one released: no drift, even in a range of one', async () => {
    const range = portRange(3);
    const ports: number[] = [];
    for (let round = 0; round < 3; round++) {
      const { supervisor } = supervise('healthy.mjs', { port: range });
      ports.push((await supervisor.start()).port);
      await supervisor.stop();
    }
    expect(ports).toEqual([range.base, range.base, range.base]);
    for (let round = 0; round < 2; round++) {
      const { supervisor } = supervise('healthy.mjs', { port: { base: range.base + 2, attempts: 1 } });
      expect((await supervisor.start()).port).toBe(range.base + 2);
      await supervisor.stop();
    }
  });

  it('two supervisors starting at once in one range get different ports', async () => {
    const range = portRange(2);
    const a = supervise('healthy.mjs', { port: range });
    const b = supervise('healthy.mjs', { port: range });
    const [one, two] = await Promise.all([a.supervisor.start(), b.supervisor.start()]);
    expect(one.port).not.toBe(two.port);
    expect([one.port, two.port].every((port) => port >= range.base && port < range.base + 2)).toBe(true);
  });

  it('a busy range is PORT_UNAVAILABLE, never get-port\'s random port, unless fallback: "any" allows it', async () => {
    const range = portRange(2);
    const blockers = await Promise.all([occupy(range.base), occupy(range.base + 1)]);
    try {
      const strict = supervise('healthy.mjs', { port: range });
      await expect(strict.supervisor.start()).rejects.toMatchObject({
        code: 'PORT_UNAVAILABLE',
        message: `Backend server failed to start - port already in use (all 2 ports ${range.base}-${range.base + 1} on 127.0.0.1 are taken)`,
      });
      const lenient = supervise('healthy.mjs', { port: { ...range, fallback: 'any' } });
      const running = await lenient.supervisor.start();
      expect(running.port).toBeGreaterThan(0);
      expect(running.port < range.base || running.port > range.base + 1).toBe(true);
    } finally {
      for (const blocker of blockers) blocker.close();
    }
  });
});
