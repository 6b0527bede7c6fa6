import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, tempDir } from '../helpers/supervisor.js';

describe('backend-lifecycle run', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`--json prints one status per line; ${signal} stops the backend gracefully and exits 0`, async () => {
      const run = runCli(['--', process.execPath, fixture('healthy.mjs')]);
      const running = await run.waitFor((s) => s.status === 'running');
      run.child.kill(signal);
      expect(await run.exit).toBe(0);
      expect(run.statuses.map((s) => s.status)).toEqual(['starting', 'starting', 'starting', 'starting', 'starting', 'running', 'stopping', 'stopping', 'stopped']);
      for (const status of run.statuses) expect(Object.keys(status)).toEqual(expect.arrayContaining(['status', 'port', 'timestamp', 'phase', 'restarts']));
      expect(isRunning(running.pid as number)).toBe(false);
      expect(run.stderr.join('')).toBe('');
    });
  }

  it('exits 1 with one stderr line naming the cause and the log file when the backend cannot start', async () => {
    const run = runCli(['--max-restarts', '0', '--', process.execPath, fixture('crash-on-start.mjs')]);
    expect(await run.exit).toBe(1);
    const lines = run.stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // the crash printed ModuleNotFoundError: the hint sits in the same line, before the log file
    expect(lines[0]).toMatch(/^backend-lifecycle: CRASHED_DURING_STARTUP: Backend server crashed during startup \(exit code 3; .*\)\. Hint: The Python interpreter that ran .+ Log: \/.+\.log$/);
    expect(run.statuses.at(-1)).toMatchObject({ status: 'error', error: { code: 'CRASHED_DURING_STARTUP' } });
  });

  it('prints human status lines without --json', async () => {
    const run = runCli(['--', process.execPath, fixture('healthy.mjs')], { json: false });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (run.stdout.some((line) => line.startsWith('● running'))) resolve(clearInterval(timer));
      }, 20);
    });
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.stdout.find((line) => line.startsWith('● running'))).toMatch(/^● running {3}port (\d+) {2}pid \d+ {2}restarts 0 {2}http:\/\/127\.0\.0\.1:\1$/);
    expect(run.stdout.at(-1)).toBe('● stopped   restarts 0');
  });

  it('--inspect-log writes XState inspection events as JSON lines of plain data', async () => {
    const file = join(tempDir('inspect'), 'inspect.jsonl');
    const run = runCli(['--inspect-log', file, '--', process.execPath, fixture('healthy.mjs')]);
    await run.waitFor((s) => s.status === 'running');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const events = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; event?: string; value?: unknown; actor: string });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot']));
    expect(events).toContainEqual(expect.objectContaining({ type: '@xstate.snapshot', event: 'xstate.done.actor.waitForHealth', value: { launched: 'running' } }));
    const machineSnapshots = events.filter((e) => e.type === '@xstate.snapshot' && e.value !== null); // child actors have no state value
    expect(machineSnapshots.at(-1)).toMatchObject({ value: 'stopped' });
  });

  it('refuses bad input with an exact message and exit 2, starting nothing', async () => {
    const cases: [string[], string][] = [
      [['--port', 'abc', '--', 'x'], 'backend-lifecycle: Option --port expects a whole number, got "abc"'],
      [['--grace-ms=-5', '--', 'x'], 'backend-lifecycle: INVALID_OPTIONS: Invalid option "shutdown.graceMs": expected an integer from 0 to 86400000, got -5'],
      [['--frobnicate', '--', 'x'], "backend-lifecycle: Unknown option '--frobnicate'"],
      [[], 'backend-lifecycle: Missing the backend command: put it after "--", e.g. run -- python3 server.py'],
      [['--ui-port', '8080', '--', 'x'], 'backend-lifecycle: --ui-port needs --ui'],
    ];
    for (const [args, message] of cases) {
      const run = runCli(args, { withDirs: false });
      expect(await run.exit).toBe(2);
      // Node's parseArgs may append a hint after the first sentence
      expect(run.stderr.join('').split('\n')[0]?.replace(/\. To specify .*$/, '')).toBe(message);
    }
  });
});
