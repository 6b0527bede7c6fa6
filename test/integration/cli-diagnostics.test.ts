import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runUp } from '../helpers/cli.js';
import { fixture, portRange, tempDir } from '../helpers/supervisor.js';

const token = 'hf_cliToken_9f8e7d6c5b4a3210';

describe('the CLI says why, and writes the report', () => {
  it('run: --report FILE holds the failed launch without the secret, and says where it went', async () => {
    const dir = tempDir('cli-report');
    const file = join(dir, 'report.json');
    const run = runCli(['--max-restarts', '0', '--report', file, '--', process.execPath, fixture('leaks-secrets.mjs')], { dir, env: { HF_TOKEN: token, FIXTURE_LEAK: 'HF_TOKEN' } });
    run.child.stdout?.resume();
    const code = await run.exit;
    expect(code).toBe(1);
    const lines = run.stderr.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^backend-lifecycle: CRASHED_DURING_STARTUP: Backend server crashed during startup/);
    expect(lines.at(-1)).toBe(`backend-lifecycle: report written to ${file} (secrets redacted)`);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain('[REDACTED]');
    expect(JSON.parse(text)).toMatchObject({ format: 'backend-lifecycle-report/1', status: { status: 'stopped' } });
  }, 30_000);

  it('run: a failure with evidence has its hint in the one error line, before the log file', async () => {
    const run = runCli(['--max-restarts', '0', '--', process.execPath, fixture('gpu-out-of-memory.mjs')]);
    expect(await run.exit).toBe(1);
    const lines = run.stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend-lifecycle: CRASHED_DURING_STARTUP: Backend server crashed during startup \(exit code 1; .*\)\. Hint: The GPU ran out of memory \(.*CUDA out of memory.*\): load a smaller model .+\. Log: \/.+\.log$/);
  }, 30_000);

  it('up --timings prints the critical chain, slowest first, once every service runs', async () => {
    const dir = tempDir('timings');
    const file = join(dir, 'system.json');
    const service = (name: string, dependsOn: string[]) => ({
      command: process.execPath,
      args: [fixture('healthy.mjs')],
      dependsOn,
      port: portRange(),
      logDir: 'logs',
      stateDir: 'state',
      env: { FIXTURE_NAME: name, FIXTURE_READY_DELAY_MS: name === 'db' ? '500' : '0' },
    });
    writeFileSync(file, JSON.stringify({ services: { db: service('db', []), api: service('api', ['db']) } }));
    const run = runUp(['--timings', file]);
    await run.waitFor((status) => status.service === 'api' && status.status === 'running');
    const deadline = Date.now() + 10_000;
    while (!run.stderr.join('').includes('critical chain') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const text = run.stderr.join('');
    expect(text).toMatch(/critical chain \(api <- db\), every service running after \d+ ms, slowest first:\n {2}(db|api) +start-up \d+ ms/);
    expect(text).toMatch(/ {2}api +start-up \d+ ms \(running at \+\d+ ms, waited \d+ ms for db\)/);
    expect(text).toMatch(/slowest steps: .*healthy \d+ ms/);
  }, 40_000);
});
