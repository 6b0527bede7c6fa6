import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachBackendToElectron } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { runCli } from '../helpers/cli.js';
import { supervise, tempDir } from '../helpers/supervisor.js';

const python = process.env.BL_PYTHON ?? '/usr/bin/python3';
const app = join(import.meta.dirname, '../../examples/fastapi-backend/app.py');

describe('the FastAPI example with the Python companion, under a real supervisor', () => {
  it('shows its progress while starting, serves through the Electron proxy, answers commands with its own errors, and stops by its stop request', async () => {
    const { supervisor, statuses } = supervise('unused', {
      command: python,
      args: [app],
      env: { EXAMPLE_LOAD_SECONDS: '0.5' },
      health: { startupTimeoutMs: 30_000 },
      shutdown: { graceMs: 5_000, request: { path: '/api/shutdown' } },
    });
    const electron = electronDoubles();
    attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'], execute: { commands: ['sum'] } });
    const client = createBackendClient(createBackendBridge(electron.rendererOf(electron.openWindow())));

    const running = await supervisor.start();
    expect(statuses.map((status) => status.detail).filter(Boolean)).toEqual(['loading the model', 'starting the server']);
    expect(running).not.toHaveProperty('detail');

    const items = await client.fetch('/api/items');
    expect(await items.json()).toEqual([
      { id: 1, name: 'first' },
      { id: 2, name: 'second' },
    ]);
    expect(await client.execute('sum', [1, 2, 3.5])).toEqual({ ok: true, status: 200, data: { result: 6.5 } });
    expect(await client.execute('sum', 'nope')).toEqual({ ok: false, error: { code: 'BACKEND_ERROR', message: 'sum expects a list of numbers', status: 400 } });

    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    expect((await supervisor.stop()).status).toBe('stopped');
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('stop request POST /api/shutdown answered HTTP 202');
    expect(log).toContain('backend notified READY=1');
    expect(log).toMatch(/exited with code 0/);
  });

  it.skipIf(process.platform === 'win32').each(['README.md', 'docs/python.md'])("%s: the ten-line FastAPI backend runs as printed: progress, key, handoff", async (page) => {
    const text = readFileSync(join(import.meta.dirname, '../..', page), 'utf8');
    const section = text.slice(text.search(/the ten-line FastAPI backend/i));
    const code = /```python\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(code.trim().split('\n')).toHaveLength(10);
    const dir = tempDir('ten-line');
    writeFileSync(join(dir, 'app.py'), code);
    const { supervisor, statuses } = supervise('unused', {
      command: python,
      args: [join(dir, 'app.py')],
      handoff: true,
      env: { PYTHONPATH: join(import.meta.dirname, '../../python') },
      health: { startupTimeoutMs: 30_000 },
    });
    const running = await supervisor.start();
    expect(statuses.map((status) => status.detail).filter(Boolean)).toContain('loading the model');
    const url = `${supervisor.getBaseUrl()}/api/items`;
    expect((await fetch(url)).status).toBe(401);
    const items = await fetch(url, { headers: { 'X-API-Key': supervisor.getApiKey() || '' } });
    expect(await items.json()).toEqual([{ id: 1 }]);
    expect(running.port).toBe(supervisor.getPort());
    await supervisor.stop();
  });

  it.skipIf(process.platform === 'win32')("python/README.md's backend runs as printed: its api_auth excludes /static/*, commands answer", async () => {
    const text = readFileSync(join(import.meta.dirname, '../../python/README.md'), 'utf8');
    const code = /```python\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const dir = tempDir('python-readme');
    writeFileSync(join(dir, 'app.py'), code);
    const { supervisor } = supervise('unused', {
      command: python,
      args: [join(dir, 'app.py')],
      handoff: true,
      env: { PYTHONPATH: join(import.meta.dirname, '../../python') },
      health: { startupTimeoutMs: 30_000 },
    });
    await supervisor.start();
    const base = supervisor.getBaseUrl();
    expect((await fetch(`${base}/api/execute`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/static/app.js`)).status).toBe(404); // excluded from the key: FastAPI's own 404
    const sum = await fetch(`${base}/api/execute`, {
      method: 'POST',
      headers: { 'X-API-Key': supervisor.getApiKey() || '', 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: 'sum', payload: [1, 2, 3] }),
    });
    expect(await sum.json()).toEqual({ result: 6 });
    await supervisor.stop();
  });

  it.skipIf(process.platform === 'win32')(
    'from the CLI with --handoff: a start longer than --startup-timeout-ms, extended by the backend, shows its progress in --json lines and serves on the handed socket',
    async () => {
      process.env.EXAMPLE_LOAD_SECONDS = '2.5';
      try {
        const run = runCli(['--handoff', '--startup-timeout-ms', '1000', '--', python, app]);
        const running = await run.waitFor((status) => status.status === 'running');
        const details = run.statuses.map((status) => status.detail).filter(Boolean);
        expect(details).toEqual(['loading the model', 'starting the server']);
        const started = Date.parse(run.statuses[0]?.timestamp ?? '');
        expect(Date.parse(running.timestamp) - started).toBeGreaterThan(2_500);
        const health = await fetch(`http://127.0.0.1:${running.port}/api/health`);
        expect(health.status).toBe(200);
        run.child.kill('SIGINT');
        expect(await run.exit).toBe(0);
        expect(run.statuses.at(-1)?.status).toBe('stopped');
      } finally {
        delete process.env.EXAMPLE_LOAD_SECONDS;
      }
    },
  );
});
