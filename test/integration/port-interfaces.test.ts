// get-port lists the machine's interfaces (os.networkInterfaces) before it probes; on Windows with
// some VPN adapters, and under Wine, that listing throws ERR_SYSTEM_ERROR. The port must still be
// found by probing the host the backend binds (the Wine lane failed every start after it threw).
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { portRange, supervise } from '../helpers/supervisor.js';

const listening: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(listening.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function interfacesCannotBeListed() {
  vi.spyOn(os, 'networkInterfaces').mockImplementation(() => {
    throw Object.assign(new Error('A system error occurred: uv_interface_addresses returned Unknown system error 1'), { code: 'ERR_SYSTEM_ERROR' });
  });
}

describe('a machine whose interfaces cannot be listed', () => {
  it('still gets a port of its range, skipping one another program holds', async () => {
    interfacesCannotBeListed();
    const range = portRange(5);
    const foreign = createServer();
    listening.push(foreign);
    await new Promise<void>((resolve) => foreign.listen(range.base, '127.0.0.1', resolve));
    const { supervisor } = supervise('healthy.mjs', { port: range });
    const status = await supervisor.start();
    expect(status.status).toBe('running');
    expect(status.port).toBeGreaterThan(range.base);
    expect(status.port).toBeLessThan(range.base + range.attempts);
    expect(os.networkInterfaces).toHaveBeenCalled();
  });

  it('a range that is all taken is still PORT_UNAVAILABLE naming it, not ERR_SYSTEM_ERROR', async () => {
    interfacesCannotBeListed();
    const range = portRange(2);
    for (const port of [range.base, range.base + 1]) {
      const foreign = createServer();
      listening.push(foreign);
      await new Promise<void>((resolve) => foreign.listen(port, '127.0.0.1', resolve));
    }
    const { supervisor } = supervise('healthy.mjs', { port: range });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'PORT_UNAVAILABLE', message: `Backend server failed to start - port already in use (all 2 ports ${range.base}-${range.base + 1} on 127.0.0.1 are taken)` });
  });
});
