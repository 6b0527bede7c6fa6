import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/report.js';
import { supervise, tempDir } from '../helpers/supervisor.js';

const apiKey = 'sk-user-key-7f3a9c1e5b2d4680aa11';
const token = 'hf_tokenValue_0123456789abcdef';
// quotes and a backslash: its JSON-escaped form must be gone too
const password = 'pa"ss\\word-with-quote-42';

describe('one report to send', () => {
  it('the report of a failed launch has versions, platform, options, history, timelines, log tail and hint, and not one secret byte for byte', async () => {
    const { supervisor, dir } = supervise('leaks-secrets.mjs', {
      auth: { apiKey },
      env: { HF_TOKEN: token, DB_PASSWORD: password, FIXTURE_LEAK: 'HF_TOKEN,DB_PASSWORD', MODE: 'test-mode' },
    });
    await supervisor.start().catch(() => undefined);
    const report = await supervisor.report();
    const file = join(dir, 'report.json');
    await writeReport(file, report);
    const bytes = readFileSync(file);
    for (const secret of [apiKey, token, password, JSON.stringify(password).slice(1, -1)]) {
      expect(bytes.includes(Buffer.from(secret)), `report contains ${secret}`).toBe(false);
    }
    // a cut line must not keep the first half of a secret either
    for (const secret of [apiKey, token, password]) expect(bytes.includes(Buffer.from(secret.slice(0, 6))), `report contains the start of ${secret}`).toBe(false);
    expect(bytes.includes(0x1b) || bytes.includes(0x00) || bytes.includes(0x07)).toBe(false);

    expect(report).toMatchObject({
      format: 'backend-lifecycle-report/1',
      package: { name: 'backend-lifecycle', version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      runtime: { node: process.versions.node, xstate: expect.stringMatching(/^5\./) },
      platform: { os: process.platform },
      options: { command: process.execPath, cwd: process.cwd(), apiKey: '[REDACTED]', env: { HF_TOKEN: '[REDACTED]', DB_PASSWORD: '[REDACTED]', MODE: 'test-mode' } },
      status: { status: 'error', error: { code: 'CRASHED_DURING_STARTUP' } },
    });
    expect(report.statusChanges.map((status) => status.phase)).toEqual(expect.arrayContaining(['starting.preparing', 'starting.waitingForHealth', 'error']));
    expect(report.transitions.map((transition) => transition.event)).toEqual(expect.arrayContaining(['supervisor.start', 'process.spawned', 'process.exited']));
    expect(report.timelines[0]?.outcome).toBe('failed');
    expect(report.log.file).toBe(supervisor.getStatus().error?.logFile);
    expect(report.log.lines.length).toBeGreaterThan(0);
    expect(report.log.lines.every((line) => line.length <= 560)).toBe(true);
    expect(report.status.error?.message).toMatch(/^Backend server crashed during startup \(exit code 1; last output: /);
  });

  it('a long secret cut where the log splits a very long line leaves no part of itself in the report', async () => {
    // a JWT-like token, longer than the API key the log holds back at a cut
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiJ1c2VyIn0'.repeat(4)}.c2lnbmF0dXJlLXBhcnQtMDEyMzQ1Njc4OQ`;
    const { supervisor, dir } = supervise('splits-secret.mjs', { env: { HUB_TOKEN: jwt, FIXTURE_LEAK: 'HUB_TOKEN' }, restart: { maxRestarts: 0 } });
    await supervisor.start().catch(() => undefined);
    const file = join(dir, 'report.json');
    await writeReport(file, await supervisor.report());
    const text = readFileSync(file, 'utf8');
    const half = Math.floor(jwt.length / 2);
    for (const part of [jwt, jwt.slice(0, half), jwt.slice(half), jwt.slice(-12)]) expect(text.includes(part), `report contains ${part}`).toBe(false);
  });

  it('the hint travels in the report', async () => {
    const { supervisor } = supervise('gpu-out-of-memory.mjs');
    await supervisor.start().catch(() => undefined);
    const report = await supervisor.report();
    expect(report.hint).toMatch(/^The GPU ran out of memory/);
  });

  it('writes through no link planted at the path, and replaces an old report of ours', async () => {
    const dir = tempDir('report-file');
    const target = join(dir, 'victim.txt');
    writeFileSync(target, 'untouched\n');
    const link = join(dir, 'report.json');
    symlinkSync(target, link);
    await expect(writeReport(link, { a: 1 })).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    const file = join(dir, 'old.json');
    writeFileSync(file, 'x'.repeat(1000));
    await writeReport(file, { a: 1 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: 1 });
  });

  it.skipIf(process.platform === 'win32')('a write that runs out of space leaves no half report behind (an empty file, and the error)', async () => {
    const dir = tempDir('report-full');
    const file = join(dir, 'report.json');
    const module = pathToFileURL(join(import.meta.dirname, '../../src/report/report.ts')).href;
    const report = `{ lines: Array.from({ length: 400 }, (_, i) => 'line ' + i + ' ' + 'z'.repeat(40)) }`;
    const script = `import { writeReport } from ${JSON.stringify(module)}; await writeReport(${JSON.stringify(file)}, ${report}).then(() => console.log('written'), (error) => console.log(error.code));`;
    // a file size limit of 8 blocks of 512 bytes, SIGXFSZ ignored: the write fails part way (EFBIG) as on a full disk (ENOSPC)
    const shell = 'ulimit -f 8; trap "" XFSZ; exec "$0" --import tsx --input-type=module -e "$1"';
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('sh', ['-c', shell, process.execPath, script], { cwd: join(import.meta.dirname, '../..') }, (error, out) => (error ? reject(error) : resolve(out))),
    );
    expect(stdout.trim()).toBe('EFBIG');
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
