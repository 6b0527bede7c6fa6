import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const bundle = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'index.js');

describe('system.subscribe', () => {
  // in a process of its own: the thrown error surfaces as an uncaught exception, which a test runner would count as its own failure
  it('a listener that throws does not starve the others: they hear every change, and the error still surfaces', async () => {
    const { base } = portRange();
    const { stdout } = await promisify(execFile)(process.execPath, [fixture('system-with-broken-listener.mjs'), bundle, fixture('healthy.mjs'), String(base)], {
      env: { ...process.env, ...markerEnv, FIXTURE_DIR: tempDir('listeners') },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({ started: 'running', stopped: 'stopped' });
    expect(result.heard).toContain('running');
    expect(result.heard.at(-1)).toBe('stopped');
    expect(result.uncaught).toBeGreaterThan(0);
  });
});
