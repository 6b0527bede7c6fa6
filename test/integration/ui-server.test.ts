import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionHub } from '../../src/ui/inspection-hub.js';
import { startUiServer, type UiServer } from '../../src/ui/server.js';
import { nextStatus, supervise } from '../helpers/supervisor.js';

let server: UiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A raw request, so that Host and Origin can be set to anything. */
function send(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the inspector server (run --ui)', () => {
  it('answers only its own page: Host, token and, for commands, Origin are checked', async () => {
    const hub = new InspectionHub();
    const { supervisor } = supervise('healthy.mjs', { inspect: hub.inspect });
    await supervisor.start();
    server = await startUiServer(supervisor, hub);
    const { port } = server;
    const token = new URL(server.url).searchParams.get('token') as string;
    const own = { host: `127.0.0.1:${port}` };
    const origin = `http://127.0.0.1:${port}`;

    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(await send(port, `/api/status?token=${token}`, own)).toMatchObject({ status: 200, body: expect.stringContaining('"status":"running"') });
    expect(await send(port, '/api/status', own)).toEqual({ status: 403, body: '{"error":"missing or wrong token"}' });
    expect(await send(port, `/api/status?token=${token}x`, own)).toMatchObject({ status: 403 });
    expect(await send(port, `/api/status?token=${token}`, { host: `attacker.example:${port}` })).toEqual({ status: 403, body: '{"error":"unexpected Host header"}' });
    const stop = JSON.stringify({ command: 'stop' });
    const refused = { status: 403, body: '{"error":"commands are accepted only from the inspector page itself"}' };
    expect(await send(port, '/api/command', { ...own, 'x-ui-token': token }, 'POST', stop)).toEqual(refused);
    expect(await send(port, '/api/command', { ...own, origin: 'http://attacker.example', 'x-ui-token': token }, 'POST', stop)).toEqual(refused);
    expect(await send(port, '/api/command', { ...own, origin }, 'POST', stop)).toEqual({ status: 403, body: '{"error":"missing or wrong token"}' });
    expect(supervisor.getStatus().status).toBe('running');

    expect(await send(port, '/api/command', { ...own, origin, 'x-ui-token': token }, 'POST', '{"command":"rm"}')).toEqual({ status: 400, body: '{"error":"unknown command rm"}' });
    expect(await send(port, '/api/command', { ...own, origin, 'x-ui-token': token }, 'POST', stop)).toEqual({ status: 202, body: '{"accepted":"stop"}' });
    await nextStatus(supervisor, (s) => s.status === 'stopped');
    expect(hub.transitions.at(-1)?.paths).toEqual(['stopped']);
    expect(hub.transitions.map((t) => t.event)).toContain('supervisor.stop');
  });
});
