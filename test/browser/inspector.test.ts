import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/bundle/cli.js');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = join(root, 'test-results');
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser | undefined;
let supervisorCli: ChildProcess | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (supervisorCli && supervisorCli.exitCode === null) {
    supervisorCli.kill('SIGINT');
    await new Promise((resolve) => supervisorCli?.once('exit', resolve));
  }
});

/** Starts `backend-lifecycle run --ui` and resolves with the inspector URL it prints. */
function startCliWithUi(): Promise<{ url: string; exit: Promise<number | null> }> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
  const dir = tempDir('ui');
  const { base, attempts } = portRange();
  const child = spawn(process.execPath, [cli, 'run', '--ui', '--json', '--port-base', String(base), '--port-attempts', String(attempts), '--log-dir', join(dir, 'logs'), '--state-dir', join(dir, 'state'), '--', process.execPath, fixture('healthy.mjs')], {
    env: { ...process.env, ...markerEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  supervisorCli = child;
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      const url = /inspector at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stderr)?.[1];
      if (url) resolve({ url, exit });
    });
    void exit.then((code) => reject(new Error(`the CLI exited (${code}) before serving the page: ${stderr}`)));
  });
}

async function statusIs(page: Page, status: string): Promise<void> {
  await page.locator('[data-testid="status"]', { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout: 15_000 });
}

describe('the offline inspector page (backend-lifecycle run --ui) in Chromium', () => {
  it('shows running, stops and starts the backend from its buttons, highlights the live state, without console errors', async () => {
    expect(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`).toBe(true);
    mkdirSync(artifacts, { recursive: true });
    const { url, exit } = await startCliWithUi();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
    // short enough that the log panel ends below the fold: following the log must not scroll the page
    const page = await browser.newPage({ viewport: { width: 1360, height: 640 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(url);
    await statusIs(page, 'running');
    // the history from before the page opened is there too
    await page.locator('.transitions li', { hasText: 'supervisor.start' }).first().waitFor();
    await page.locator('.diagram g.node.active').first().waitFor();
    expect(await page.locator('[data-testid="port"]').textContent()).toMatch(/^\d+$/);
    await page.screenshot({ path: join(artifacts, 'inspector-running.png'), fullPage: true });

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await statusIs(page, 'stopped');
    expect(await page.locator('[data-testid="port"]').textContent()).toBe('—');
    await page.locator('.transitions li', { hasText: 'supervisor.stop' }).first().waitFor();
    await page.screenshot({ path: join(artifacts, 'inspector-stopped.png'), fullPage: true });

    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await statusIs(page, 'running');
    const port = await page.locator('[data-testid="port"]').textContent();
    expect(port).toMatch(/^\d+$/);
    expect(await page.locator('.diagram g.node.active').getAttribute('id')).toBe('state-launched.running');
    await page.locator('.log pre', { hasText: 'fixture listening' }).waitFor();
    await page.screenshot({ path: join(artifacts, 'inspector-restarted.png'), fullPage: true });
    // the log panel follows its own end without moving the page the user reads, and nothing spills out of its card
    expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBe(0);
    type Box = { scrollWidth: number; clientWidth: number; className: string };
    const overflowing = await page.locator('.card').evaluateAll((cards) => (cards as unknown as Box[]).filter((card) => card.scrollWidth > card.clientWidth + 1).map((card) => card.className));
    expect(overflowing).toEqual([]);
    expect(problems).toEqual([]);

    supervisorCli?.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
