import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/process-group.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, markerEnv, portRange, supervise, tempDir } from '../helpers/supervisor.js';

const cli = join(import.meta.dirname, '../../dist/bundle/cli.js');

/** Runs the CLI in its own process and resolves with its first `running` status line. */
function runCliUntilRunning(stateDir: string, logDir: string): Promise<{ cli: ChildProcess; backendPid: number }> {
  const { base, attempts } = portRange();
  const child = spawn(process.execPath, [cli, 'run', '--json', '--state-dir', stateDir, '--log-dir', logDir, '--port-base', String(base), '--port-attempts', String(attempts), '--', process.execPath, fixture('healthy.mjs')], {
    env: { ...process.env, ...markerEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`CLI exited early with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const status = JSON.parse(line);
      if (status.status === 'running') resolve({ cli: child, backendPid: status.pid });
    });
  });
}

describe('orphans of a crashed supervisor', () => {
  it('the next launch reaps the backend that a SIGKILLed supervisor left behind', async () => {
    const dir = tempDir('orphan');
    const stateDir = join(dir, 'state');
    const { cli: first, backendPid } = await runCliUntilRunning(stateDir, join(dir, 'logs'));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(isRunning(backendPid)).toBe(true); // orphaned: nothing stopped it

    const { supervisor, phases } = supervise('healthy.mjs', { stateDir });
    const running = await supervisor.start();
    expect(isRunning(backendPid)).toBe(false);
    expect(running.pid).not.toBe(backendPid);
    expect(phases()).toContain('starting.reapingOrphans');
  });

  it('a recorded pid that now belongs to another process (recycled) is left alone', async () => {
    const stranger = spawn('sleep', ['30'], { env: { ...process.env, ...markerEnv }, stdio: 'ignore' });
    try {
      const { supervisor, dir } = supervise('healthy.mjs');
      const lock = join(dir, 'state', 'backend.lock.json');
      await supervisor.start();
      await supervisor.stop();
      const deadSupervisor = spawn('true');
      await new Promise((resolve) => deadSupervisor.once('exit', resolve));
      const pid = stranger.pid as number;
      writeFileSync(lock, JSON.stringify({ pid, pgid: pid, startTime: 'not-its-start-time', instanceId: 'old', supervisorPid: deadSupervisor.pid, supervisorStartTime: 'x', port: 1 }));
      await supervisor.start();
      expect(isRunning(pid)).toBe(true);
      expect(processStartTime(pid)).not.toBe('not-its-start-time');
      expect(JSON.parse(readFileSync(lock, 'utf8')).instanceId).not.toBe('old');
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('the backend of a supervisor that is still alive is not an orphan', async () => {
    const dir = tempDir('alive');
    const stateDir = join(dir, 'state');
    const { cli: first, backendPid } = await runCliUntilRunning(stateDir, join(dir, 'logs'));
    try {
      const { supervisor } = supervise('healthy.mjs', { stateDir });
      await supervisor.start();
      expect(isRunning(backendPid)).toBe(true);
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => first.once('exit', resolve));
    }
    expect(isRunning(backendPid)).toBe(false);
  });
});
