import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { InspectionHub } from '../../src/ui/inspection-hub.js';
import { startUiServer } from '../../src/ui/server.js';
import { supervise } from '../helpers/supervisor.js';

describe('the inspector page follows the log across rotations', () => {
  it('a log that rotated (a new, smaller file under the same name) is read from its start, to the last line', async () => {
    const hub = new InspectionHub();
    const { supervisor } = supervise('floods-output.mjs', { inspect: hub.inspect, logMaxBytes: 64 * 1024, env: { FIXTURE_FLOOD_MB: '2' } });
    await supervisor.start();
    const ui = await startUiServer(supervisor, hub);
    const url = new URL(ui.url);
    try {
      const seen = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        const outgoing = request({ host: '127.0.0.1', port: ui.port, path: `/api/events?token=${url.searchParams.get('token')}`, headers: { host: url.host } }, (response) => {
          response.setEncoding('utf8');
          response.on('data', (text: string) => {
            if (!text.includes('flood done')) return;
            clearTimeout(timer);
            resolve(true);
            outgoing.destroy();
          });
        });
        outgoing.on('error', () => {});
        outgoing.end();
      });
      expect(seen).toBe(true);
    } finally {
      await ui.close();
    }
  }, 60_000);
});
