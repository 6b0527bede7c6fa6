import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statusLine } from '../../src/cli/render.js';
import { supervise } from '../helpers/supervisor.js';

describe('start-up progress from the backend (STATUS= and EXTEND_TIMEOUT_USEC= on the notification fd)', () => {
  it('STATUS= lines become the status detail while starting, pushed like any change, and vanish once running', async () => {
    const { supervisor, statuses } = supervise('reports-progress.mjs');
    await supervisor.start();
    const starting = statuses.filter((status) => status.detail !== undefined);
    expect(starting.map((status) => [status.phase, status.detail])).toEqual([
      ['starting.waitingForHealth', 'loading the model'],
      ['starting.waitingForHealth', 'warming caches  (control characters dropped)'],
    ]);
    expect(statusLine(starting[0] as (typeof starting)[0], false)).toMatch(/\(starting\.waitingForHealth\) {2}- loading the model$/);
    expect(supervisor.getStatus()).not.toHaveProperty('detail');
    await supervisor.stop();
  });

  it('the API key in STATUS= text is redacted before the text is cut to 200 characters: no piece of it reaches the status', async () => {
    const { supervisor, statuses } = supervise('tells-its-key.mjs');
    await supervisor.start();
    const key = supervisor.getApiKey() ?? '';
    const details = statuses.map((status) => status.detail ?? '').filter((detail) => detail !== '');
    expect(details).toEqual(expect.arrayContaining(['loading with [REDACTED]']));
    // the second line has the key where the cut falls: 180 characters, then the key
    expect(details.some((detail) => detail.startsWith('p'.repeat(180)))).toBe(true);
    for (const detail of details) expect(detail.length).toBeLessThanOrEqual(200);
    const log = readFileSync(supervisor.actor.getSnapshot().context.logFile as string, 'utf8');
    for (const text of [...details, log]) {
      for (let start = 0; start + 8 <= key.length; start++) expect(text, 'a piece of the API key').not.toContain(key.slice(start, start + 8));
    }
    await supervisor.stop();
  });

  it('EXTEND_TIMEOUT_USEC= carries a start past startupTimeoutMs; the same start without it times out', async () => {
    const slow = { FIXTURE_LOAD_MS: '4000' };
    const extended = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 1_500 }, env: { ...slow, FIXTURE_EXTEND_USEC: '8000000' } });
    expect((await extended.supervisor.start()).status).toBe('running');
    await extended.supervisor.stop();
    const plain = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 1_500 }, env: slow });
    await expect(plain.supervisor.start()).rejects.toMatchObject({ code: 'HEALTH_TIMEOUT' });
  });

  it('an extension never goes past health.maxStartupMs, counted from the launch', async () => {
    // the first deadline leaves a loaded machine time to boot Node and send the extension (it counts from the spawn)
    const { supervisor } = supervise('reports-progress.mjs', { health: { startupTimeoutMs: 1_500, maxStartupMs: 2_500 }, env: { FIXTURE_LOAD_MS: '8000', FIXTURE_EXTEND_USEC: '60000000' } });
    const error = await supervisor.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    // extended past 1 500 ms, and no further than the cap; the log says so
    expect((error as Error).message).toMatch(/within 2500 ms/);
    const logFile = (error as { logFile?: string }).logFile ?? '';
    expect(readFileSync(logFile, 'utf8')).toContain('backend asked for 60000 ms more to start; clamped by health.maxStartupMs (2500 ms after the launch)');
  });
});

describe('a flood of progress (a STATUS= line per item) is coalesced', () => {
  it('at most one status change per 100 ms, the latest text each time, the dropped count in the log; READY=1 still ends the start', async () => {
    const { supervisor, statuses } = supervise('floods-progress.mjs');
    await supervisor.start();
    const progress = statuses.filter((status) => status.detail !== undefined);
    const times = progress.map((status) => Date.parse(status.timestamp));
    // 50 000 lines over about a second: without coalescing each one is a status change
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(((times.at(-1) as number) - (times[0] as number)) / 100) + 1);
    // 100 ms from one change to the next (a timer may fire a millisecond early, timestamps are whole milliseconds)
    for (let index = 1; index < times.length; index++) expect((times[index] as number) - (times[index - 1] as number)).toBeGreaterThanOrEqual(98);
    expect(progress.at(-1)?.detail).toBe('item 50000 of 50000');
    const log = readFileSync(supervisor.getStatus().error?.logFile ?? (supervisor.actor.getSnapshot().context.logFile as string), 'utf8');
    const noted = /(\d+) progress updates were replaced by later ones before they were shown/.exec(log);
    expect(Number(noted?.[1])).toBe(50_000 - progress.length);
    expect(log.match(/backend status: /g)?.length).toBe(progress.length);
    await supervisor.stop();
  });
});
