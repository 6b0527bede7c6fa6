import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isListening, pauseUntilHint, ReadinessHints } from '../../src/actors/readiness-hints.js';

const never = new AbortController().signal;

describe('readiness hints', () => {
  it('a READY notification for this instance ends the pause; one for another instance does not', async () => {
    const hints = new ReadinessHints();
    const pause = pauseUntilHint(10_000, { hints, instanceId: 'mine', port: 1, signal: never, probeListening: false });
    hints.emit('ready', 'someone-else');
    hints.emit('ready', 'mine');
    expect(await pause).toBe('hint');
    expect(hints.listenerCount('ready')).toBe(0);
    expect(await pauseUntilHint(5, { hints, instanceId: 'mine', port: 1, signal: never, probeListening: false })).toBe('timeout');
  });

  it('the listen probe sees a socket start listening, without connecting to it', async () => {
    const server = createServer((socket) => {
      throw new Error(`the probe must not connect (${socket.remotePort})`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(await isListening(port)).toBe(true);
      const pause = pauseUntilHint(10_000, { hints: new ReadinessHints(), instanceId: 'x', port, signal: never, probeListening: true });
      expect(await pause).toBe('hint');
    } finally {
      server.close();
    }
    expect(await isListening(port)).toBe(false);
  });
});
