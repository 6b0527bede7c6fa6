import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunning } from '../helpers/leaks.js';
import { markerEnv, portRange, supervise } from '../helpers/supervisor.js';

const server = join(import.meta.dirname, '../../examples/python-backend/server.py');

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; allowOrigin: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers, method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      const allowOrigin = response.headers['access-control-allow-origin'];
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, allowOrigin }));
    })
      .on('error', reject)
      .end();
  });
}

describe("the example Python backend (the backend side of MineContext's backend manager)", () => {
  it('demands the API key by header only, excludes health paths, refuses foreign Host headers, and echoes its instance', async () => {
    const { supervisor } = supervise('healthy.mjs', { command: 'python3', args: [server] });
    const { port } = await supervisor.start();
    const key = supervisor.getApiKey() as string;
    const instanceId = supervisor.actor.getSnapshot().context.instanceId;

    const health = await get(port, '/api/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', instanceId });
    expect((await get(port, '/api/info')).status).toBe(401);
    expect((await get(port, '/api/info', { 'X-API-Key': `${key}x` })).status).toBe(401);
    expect((await get(port, `/api/info?api_key=${key}`)).status).toBe(401); // keys in URLs end up in logs: off by default
    expect((await get(port, '/api/info', { 'X-API-Key': key })).status).toBe(200);
    expect((await get(port, '/static/app.js')).status).toBe(404); // excluded by glob: no 401, just not there
    expect((await get(port, '/api/health', { Host: `attacker.example:${port}` })).status).toBe(421);
    expect((await get(port, '/api/health', { Host: `localhost:${port}` })).status).toBe(200);
    expect((await supervisor.stop()).status).toBe('stopped');
  });
});

describe('the example backend without its parent', () => {
  it('exits by itself when its supervisor is SIGKILLed (it watches BACKEND_PARENT_PID)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/child-supervisor.ts'), 'wait', 'python', String(portRange().base)], {
      env: { ...process.env, ...markerEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) => {
      createInterface({ input: parent.stdout }).once('line', (line) => resolve((JSON.parse(line) as { pid: number }).pid));
    });
    expect(isRunning(pid)).toBe(true);
    parent.kill('SIGKILL'); // no exit hook runs: only the backend's own watch can end it
    await new Promise((resolve) => parent.once('exit', resolve));
    const deadline = Date.now() + 5_000;
    while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isRunning(pid)).toBe(false);
  });

  it('answers CORS preflights for the configured origins only, and marks their answers', async () => {
    const { supervisor } = supervise('healthy.mjs', { command: 'python3', args: [server], env: { BACKEND_CORS_ORIGINS: 'http://localhost:5173' } });
    const { port } = await supervisor.start();
    const key = supervisor.getApiKey() as string;
    const preflight = { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key' };
    expect(await get(port, '/api/execute', preflight, 'OPTIONS')).toMatchObject({ status: 204, allowOrigin: 'http://localhost:5173' });
    expect(await get(port, '/api/execute', { ...preflight, Origin: 'https://evil.example' }, 'OPTIONS')).toMatchObject({ status: 403, allowOrigin: undefined });
    expect(await get(port, '/api/info', { Origin: 'http://localhost:5173', 'X-API-Key': key })).toMatchObject({ status: 200, allowOrigin: 'http://localhost:5173' });
    expect(await get(port, '/api/info', { Origin: 'https://evil.example', 'X-API-Key': key })).toMatchObject({ status: 200, allowOrigin: undefined });
    expect((await supervisor.stop()).status).toBe('stopped');
  });
});
