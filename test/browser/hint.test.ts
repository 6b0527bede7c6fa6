import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const cli = join(import.meta.dirname, '../../dist/bundle/cli.js');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise((resolve) => child?.once('exit', resolve));
  }
});

describe('the inspector page says why', () => {
  it('shows the hint of a failing backend while it retries', async () => {
    expect(existsSync(chromiumPath), `no Chromium at ${chromiumPath}`).toBe(true);
    const dir = tempDir('ui-hint');
    const { base, attempts } = portRange();
    // many retries: the page has the failure (and its hint) on screen while the CLI keeps running;
    // the crashes are identical, so fail-fast is turned off or the second one would end the CLI
    const flags = ['--ui', '--json', '--max-restarts', '50', '--identical-startup-crashes', '0', '--port-base', String(base), '--port-attempts', String(attempts), '--log-dir', join(dir, 'logs'), '--state-dir', join(dir, 'state')];
    child = spawn(process.execPath, [cli, 'run', ...flags, '--', process.execPath, fixture('gpu-out-of-memory.mjs')], { env: { ...process.env, ...markerEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child?.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk;
        const found = /inspector at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stderr)?.[1];
        if (found) resolve(found);
      });
      child?.once('exit', (code) => reject(new Error(`the CLI exited (${code}): ${stderr}`)));
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const page = await browser.newPage();
    await page.goto(url);
    const hint = page.locator('[data-testid="hint"]');
    await hint.waitFor({ timeout: 20_000 });
    expect(await hint.textContent()).toMatch(/^The GPU ran out of memory \(.*CUDA out of memory/);
  }, 60_000);
});
