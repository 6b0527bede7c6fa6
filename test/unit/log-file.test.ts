import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLaunchLog } from '../../src/disk/log-file.js';
import { tempDir } from '../helpers/supervisor.js';

const line = `${'x'.repeat(99)}\n`;

describe('a launch log under pressure', () => {
  it('rotation into a folder that was removed meanwhile never throws into the host', () => {
    const dir = tempDir('log-gone');
    const log = openLaunchLog(dir, 'backend', '0bef1eb3-0000-4000-8000-000000000000', 1024, []);
    rmSync(dir, { recursive: true, force: true });
    expect(() => {
      for (let i = 0; i < 100; i++) log.write('stdout', line);
    }).not.toThrow();
    return log.close();
  });
});
