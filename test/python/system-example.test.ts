import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUp } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { tempDir } from '../helpers/supervisor.js';

const examples = join(import.meta.dirname, '../../examples');
const python = process.env.BL_PYTHON ?? '/usr/bin/python3';

/** examples/system.json as it is, but run by the Python of this suite. */
function exampleSystem(overrides: Record<string, Record<string, unknown>> = {}): string {
  const config = JSON.parse(readFileSync(join(examples, 'system.json'), 'utf8')) as { services: Record<string, Record<string, unknown>> };
  for (const [name, service] of Object.entries(config.services)) Object.assign(service, { command: python, cwd: examples }, overrides[name]);
  const file = join(tempDir('system-example'), 'system.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('up examples/system.json: an API and the SQLite store it needs', () => {
  it('starts the store, then the API; Ctrl-C stops the API, then the store, with nothing left', async () => {
    const storePath = join(tempDir('store'), 'notes.sqlite3');
    const run = runUp([exampleSystem()], { env: { STORE_PATH: storePath } });
    const api = await run.waitFor((s) => s.service === 'api' && s.status === 'running');
    const storeRunning = run.statuses.findIndex((s) => s.service === 'store' && s.status === 'running');
    expect(storeRunning).toBeGreaterThanOrEqual(0);
    expect(storeRunning).toBeLessThan(run.statuses.findIndex((s) => s.service === 'api'));
    expect(run.statuses.some((s) => s.service === 'store' && s.detail === `opening ${storePath}`)).toBe(true);
    const health = await fetch(`http://127.0.0.1:${api.port}/api/health`);
    expect(health.status).toBe(200);
    expect(existsSync(storePath)).toBe(true);
    const pids = ['store', 'api'].map((name) => run.statuses.findLast((s) => s.service === name && s.status === 'running')?.pid as number);

    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const stoppedAt = (name: string) => run.statuses.findIndex((s) => s.service === name && s.status === 'stopped' && s.sequence > 1);
    const stoppingAt = (name: string) => run.statuses.findIndex((s) => s.service === name && s.status === 'stopping');
    expect(stoppedAt('api')).toBeLessThan(stoppingAt('store'));
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(run.stderr.join('')).toBe('');
  });

  it('the API stores notes in the store through BACKEND_STORE_URL and BACKEND_STORE_API_KEY', async () => {
    const key = 'example-key-for-this-test-only';
    const run = runUp([exampleSystem({ api: { auth: { apiKey: key } } })], { env: { STORE_PATH: join(tempDir('store'), 'notes.sqlite3') } });
    const api = await run.waitFor((s) => s.service === 'api' && s.status === 'running');
    const base = `http://127.0.0.1:${api.port}`;
    expect((await fetch(`${base}/api/notes`)).status).toBe(401);
    const created = await fetch(`${base}/api/notes`, { method: 'POST', headers: { 'X-API-Key': key, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'buy milk' }) });
    expect(created.status).toBe(201);
    const notes = await fetch(`${base}/api/notes`, { headers: { 'X-API-Key': key } });
    expect(await notes.json()).toEqual([{ id: 1, text: 'buy milk' }]);
    const store = run.statuses.findLast((s) => s.service === 'store' && s.status === 'running');
    // the store's health counts notes and needs no key; everything else of it does
    expect(await (await fetch(`http://127.0.0.1:${store?.port}/api/health`)).json()).toMatchObject({ status: 'ok', notes: 1 });
    expect((await fetch(`http://127.0.0.1:${store?.port}/notes`)).status).toBe(401);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });
});
