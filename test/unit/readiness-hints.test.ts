import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pauseUntilHint, probeHost, ReadinessHints } from '../../src/actors/readiness-hints.js';

const never = new AbortController().signal;

describe('readiness hints', () => {
  it('a READY notification for this instance ends the pause; one for another instance does not', async () => {
    const hints = new ReadinessHints();
    const pause = pauseUntilHint(10_000, { hints, instanceId: 'mine', host: '127.0.0.1', port: 1, signal: never, probeListening: false });
    hints.emit('ready', 'someone-else');
    hints.emit('ready', 'mine');
    expect(await pause).toBe('hint');
    expect(hints.listenerCount('ready')).toBe(0);
    expect(await pauseUntilHint(5, { hints, instanceId: 'mine', host: '127.0.0.1', port: 1, signal: never, probeListening: false })).toBe('timeout');
  });

  it('the listen probe wakes the pause once the port accepts, and sends nothing over the connection', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      const pause = pauseUntilHint(10_000, { hints: new ReadinessHints(), instanceId: 'x', host: '127.0.0.1', port, signal: never, probeListening: true });
      // refused for a while: the pause must still be waiting
      await new Promise((resolve) => setTimeout(resolve, 50));
      let settled = false;
      void pause.then(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(settled).toBe(false);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      expect(await pause).toBe('hint');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Buffer.concat(received).length).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a wildcard host is probed on loopback', () => {
    expect(probeHost('0.0.0.0')).toBe('127.0.0.1');
    expect(probeHost('::')).toBe('::1');
    expect(probeHost('127.0.0.2')).toBe('127.0.0.2');
  });
});
