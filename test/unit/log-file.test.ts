import { readFileSync, rmSync, statSync } from 'node:fs';
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

  it('output arriving faster than a new file opens still rotates at the cap (each file at most the cap)', async () => {
    const dir = tempDir('log-burst');
    const cap = 64 * 1024;
    const log = openLaunchLog(dir, 'backend', '0bef1eb3-0000-4000-8000-000000000001', cap, []);
    // three caps' worth in one turn of the event loop: the second rotation came before the first one's new file existed
    for (let i = 0; i < (3 * cap) / line.length; i++) log.write('stdout', line);
    log.write('stdout', 'the newest line\n');
    await log.close();
    expect(statSync(log.path).size).toBeLessThanOrEqual(cap + 4096);
    expect(statSync(`${log.path}.1`).size).toBeLessThanOrEqual(cap + 4096);
    expect(readFileSync(log.path, 'utf8')).toContain('the newest line');
  });
});

describe('a launch log when the process runs out of file descriptors', () => {
  it('a rotation that cannot open its new file keeps writing to the current one, and the log goes on once descriptors are back', async () => {
    const dir = tempDir('log-emfile');
    // a child of its own with a low descriptor limit: it hoards the rest, forces a rotation, lets go, writes on
    const script = `
      import { openSync, closeSync, existsSync, readFileSync } from 'node:fs';
      const { openLaunchLog } = await import(${JSON.stringify(new URL('../../dist/src/disk/log-file.js', import.meta.url).href)});
      const log = openLaunchLog(${JSON.stringify(dir)}, 'backend', '0bef1eb3-0000-4000-8000-000000000002', 4096, []);
      await log.flush();
      const hoarded = [];
      try { for (;;) hoarded.push(openSync('/dev/null', 'r')); } catch {}
      for (let i = 0; i < 100; i++) log.write('stdout', 'x'.repeat(99) + '\\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const fd of hoarded) closeSync(fd);
      log.write('stdout', 'after the descriptors came back\\n');
      await log.close();
      console.log(JSON.stringify({ exists: existsSync(log.path), newest: existsSync(log.path) && readFileSync(log.path, 'utf8').includes('after the descriptors came back') }));
    `;
    const { execFileSync } = await import('node:child_process');
    const output = execFileSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').at(-1) as string)).toEqual({ exists: true, newest: true });
  });
});
