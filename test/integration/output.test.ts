import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environmentOf } from '../helpers/leaks.js';
import { supervise, testMarker } from '../helpers/supervisor.js';

describe('the backend\'s output in its log', () => {
  it('redacts the API key even where it straddles the 64 KiB point of a long line, and decodes characters split across chunks', async () => {
    const { supervisor } = supervise('tricky-output.mjs');
    await supervisor.start();
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    const key = supervisor.getApiKey() as string;
    await supervisor.stop();
    const text = readFileSync(logFile, 'utf8');
    expect(text.includes(key)).toBe(false);
    expect(text.includes(key.slice(0, 16))).toBe(false);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('café ünïcode');
    expect(text).not.toContain('\uFFFD');
  });

  it('env: { NAME: undefined } removes a variable the backend would otherwise inherit', async () => {
    process.env.BL_INHERITED_SECRET = 'from-the-parent';
    try {
      const { supervisor } = supervise('healthy.mjs', { env: { BL_INHERITED_SECRET: undefined } });
      const running = await supervisor.start();
      const environ = environmentOf(running.pid as number);
      expect(environ).toContain(`BL_TEST_MARKER=${testMarker}`); // the environment was read at all
      expect(environ.some((entry) => entry.startsWith('BL_INHERITED_SECRET='))).toBe(false);
    } finally {
      delete process.env.BL_INHERITED_SECRET;
    }
  });
});
