import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath, runCli, runUp } from '../helpers/cli.js';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

// what a terminal interprets or what reorders a line: C0 (but the newline ending each line), DEL, C1, bidi controls
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear
const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const rawLastLine = '\u001b]0;title\u0007\u001b[2J\u001b]52;c;cHduZWQ= bye';

describe('nothing from the backend reaches the terminal raw', () => {
  it('run: the status lines and the final error line show controls and bidi overrides escaped', async () => {
    const run = runCli(['--max-restarts', '0', '--', process.execPath, fixture('hostile-output.mjs')], { json: false });
    expect(await run.exit).toBe(1);
    const stdout = run.stdout.join('\n');
    const stderr = run.stderr.join('');
    expect(stdout).toContain('loading');
    expect(stdout).not.toMatch(unsafe);
    expect(stderr).toMatch(/^backend-lifecycle: CRASHED_DURING_STARTUP: .*last output: \\x1b\]0;title\\x07\\x1b\[2J\\x1b\]52;c;cHduZWQ=\\x07 bye/);
    expect(stderr).not.toMatch(unsafe);
  });

  it('run --json stays exact JSON: the message carries the last line as the backend wrote it', async () => {
    const run = runCli(['--max-restarts', '0', '--', process.execPath, fixture('hostile-output.mjs')]);
    expect(await run.exit).toBe(1);
    const error = run.statuses.at(-1)?.error;
    expect(error?.code).toBe('CRASHED_DURING_STARTUP');
    expect(error?.message).toContain(rawLastLine.replace(' bye', '\u0007 bye'));
    // the stderr line is for a terminal all the same
    expect(run.stderr.join('')).not.toMatch(unsafe);
  });

  it('up: service lines and the failure line are escaped as well', async () => {
    const dir = tempDir('up-terminal');
    const file = join(dir, 'system.json');
    const service = { command: process.execPath, args: [fixture('hostile-output.mjs')], port: portRange(), logDir: 'logs', stateDir: 'state', restart: { maxRestarts: 0 } };
    writeFileSync(file, JSON.stringify({ services: { api: service } }));
    const run = runUp([file], { json: false });
    expect(await run.exit).toBe(1);
    expect(run.stdout.join('\n')).toContain('loading');
    expect(run.stdout.join('\n')).not.toMatch(unsafe);
    expect(run.stderr.join('')).toContain('service "api": CRASHED_DURING_STARTUP');
    expect(run.stderr.join('')).not.toMatch(unsafe);
  });

  it.skipIf(process.platform === 'win32')('on a terminal, a status line longer than the terminal is wide is cut to fit, so it still updates in place', async () => {
    const columns = 100;
    const { base, attempts } = portRange();
    const dir = tempDir('cli-columns');
    const cli = [process.execPath, cliPath, 'run', '--log-dir', join(dir, 'logs'), '--state-dir', join(dir, 'state'), '--port-base', String(base), '--port-attempts', String(attempts)];
    const { stdout } = await promisify(execFile)('python3', [fixture('pty-columns.py'), String(columns), 'running', ...cli, '--', process.execPath, fixture('long-progress.mjs')], {
      env: { ...process.env, ...markerEnv },
      timeout: 80_000,
    });
    const { output, exitCode } = JSON.parse(stdout) as { output: string; exitCode: number };
    expect(exitCode).toBe(0);
    // each update clears the cursor's row and rewrites it: a line that wrapped would leave its first rows behind
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colour escapes are what is removed
    const lines = Buffer.from(output, 'base64').toString('utf8').split('\r\u001b[2K').map((line) => line.replace(/\u001b\[\d*m/g, '').replace(/\r?\n$/, ''));
    const progress = lines.filter((line) => line.includes('- step '));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of lines.filter((each) => each !== '')) {
      expect([...line].length, line).toBeLessThan(columns);
      expect(line).not.toMatch(/[\r\n]/);
    }
    expect(progress.every((line) => line.endsWith('…'))).toBe(true);
  }, 90_000);
});
