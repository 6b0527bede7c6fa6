import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { supervise } from '../helpers/supervisor.js';

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('launch logs', () => {
  it('a backend flooding 200 MB of output: the log rotates at its cap, keeps the newest lines, memory stays bounded', async () => {
    const cap = 1024 * 1024;
    const { supervisor } = supervise('floods-output.mjs', { logMaxBytes: cap, env: { FIXTURE_FLOOD_MB: '200' } });
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 20);
    await supervisor.start();
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    try {
      await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('flood done'));
    } finally {
      clearInterval(sampler);
    }
    expect(statSync(logFile).size).toBeLessThanOrEqual(cap + 4096);
    expect(statSync(`${logFile}.1`).size).toBeLessThanOrEqual(cap + 4096);
    expect(readFileSync(`${logFile}.1`, 'utf8')).toContain('[backend-lifecycle] log rotated at 1048576 bytes');
    // buffering the flood would cost at least its 200 MB; a bounded pipeline costs what the garbage
    // collector lets pile up between runs (up to ~75 MB seen under Node 24), whatever the flood's size
    expect(rssPeak - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(supervisor.getStatus().status).toBe('running');
  });

  it('logs are private: files 0600 in a 0700 folder, and old launches are pruned', async () => {
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(logFile)).mode & 0o777).toBe(0o700);
    for (let i = 0; i < 22; i++) await supervisor.restart();
    await supervisor.stop();
    const launches = readdirSync(dirname(logFile)).filter((file) => file.endsWith('.log'));
    expect(launches.length).toBe(20);
    expect(launches).not.toContain(logFile.split('/').at(-1));
  });
});
