import { chmodSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/index.js';
import { fixture, nextStatus, portRange, supervise, tempDir } from '../helpers/supervisor.js';

// a hint may follow its error by a few ms when its evidence needs a read (a lockfile, a cgroup counter)
const hinted = (status: { status: string; error?: { hint?: string } }) => status.status === 'error' && typeof status.error?.hint === 'string';

async function failedHint(run: ReturnType<typeof supervise>): Promise<{ error: BackendError; hint: string }> {
  const error = await run.supervisor.start().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendError);
  const status = await nextStatus(run.supervisor, hinted);
  return { error: error as BackendError, hint: status.error?.hint ?? '' };
}

describe('failure hints: each rule from real evidence', () => {
  it('a Python interpreter without the app packages (ModuleNotFoundError) names the interpreter that ran', async () => {
    const run = supervise('healthy.mjs', { command: 'python3', args: [fixture('imports-missing-package.py')] });
    const { error, hint } = await failedHint(run);
    expect(error.code).toBe('CRASHED_DURING_STARTUP');
    expect(error.hint).toBe(hint);
    expect(hint).toBe(
      "The Python interpreter that ran (python3) lacks the app's packages (No module named 'backend_lifecycle_fixture_missing_package'): install them into it, or set the command to the app's own environment (e.g. its venv's python).",
    );
  });

  it('code the interpreter cannot parse (SyntaxError)', async () => {
    const run = supervise('healthy.mjs', { command: 'python3', args: [fixture('syntax-error.py')] });
    const { hint } = await failedHint(run);
    expect(hint).toMatch(/^The backend's code does not parse with python3 \(SyntaxError: invalid syntax\): the interpreter may be older than the code needs/);
  });

  it('a shared library the dynamic loader cannot find', async () => {
    const dir = tempDir('lib');
    const run = supervise('missing-library.mjs', { env: { FIXTURE_DIR: dir } });
    const { error, hint } = await failedHint(run);
    expect(error.details?.exitCode).toBe(127);
    expect(hint).toBe('A shared library the backend needs is missing: libq.so.6; install it, or ship it with the app (and make the loader find it).');
  });

  it('SIGKILL that the supervisor did not send: the OOM killer is named, and the cgroup counter is consulted where readable', async () => {
    const run = supervise('kills-itself.mjs');
    const { error, hint } = await failedHint(run);
    expect(error.details?.signal).toBe('SIGKILL');
    expect(hint).toMatch(/^The backend was killed by SIGKILL, which this supervisor did not send.*; on Linux the usual sender is the out-of-memory killer: check "journalctl -k \| grep -i oom" or dmesg\.$/);
  });

  it('GPU out of memory in the last output (CUDA, as llama.cpp and PyTorch print it)', async () => {
    const run = supervise('gpu-out-of-memory.mjs');
    const { hint } = await failedHint(run);
    expect(hint).toMatch(/^The GPU ran out of memory \(torch\.OutOfMemoryError: CUDA out of memory\..*\): load a smaller model or fewer GPU layers/);
  });

  it('a port the system refuses to the backend (EACCES)', async () => {
    const run = supervise('binds-privileged-port.mjs');
    const { hint } = await failedHint(run);
    expect(hint).toBe(
      'The backend was refused its port (permission denied: Error: listen EACCES: permission denied 127.0.0.1:81): ports below 1024 need administrator rights: choose a port of 1024 or more.',
    );
  });

  it('a command the system refuses to execute (spawn EACCES: not executable)', async () => {
    const dir = tempDir('exec');
    const script = join(dir, 'backend');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const run = supervise('healthy.mjs', { command: script, args: [] });
    const { error, hint } = await failedHint(run);
    expect(error.code).toBe('SPAWN_FAILED');
    expect(hint).toBe(`The system refused to run ${script} (EACCES): make the file executable (chmod +x) on a volume not mounted noexec; an antivirus or quarantine (macOS Gatekeeper) may block it too.`);
  });

  it('an executable that ran at the last launch and vanished since (quarantine, clean-up)', async () => {
    const dir = tempDir('vanish');
    const executable = join(dir, 'backend');
    copyFileSync(fixture('executable-backend.sh'), executable);
    chmodSync(executable, 0o755);
    const run = supervise('healthy.mjs', { command: executable, args: [], env: { FIXTURE_NODE: process.execPath, FIXTURE_SCRIPT: fixture('healthy.mjs') } });
    await run.supervisor.start();
    await run.supervisor.stop();
    rmSync(executable);
    const { error, hint } = await failedHint(run);
    expect(error.details?.cause).toBe('ENOENT');
    expect(hint).toBe(`${executable} ran at an earlier launch and is gone now: an antivirus may have quarantined it, or an update or clean-up removed it; restore it or reinstall the app.`);
  });

  it('a port held by an earlier launch of this backend that still runs (another copy of the app)', async () => {
    const port = portRange(1).base;
    const first = supervise('healthy.mjs', { port });
    await first.supervisor.start();
    const shared = { port, stateDir: join(first.dir, 'state'), logDir: join(first.dir, 'logs2') };
    const second = supervise('healthy.mjs', shared);
    const { error, hint } = await failedHint(second);
    expect(error.code).toBe('PORT_UNAVAILABLE');
    const pid = first.supervisor.getStatus().pid;
    expect(hint).toBe(
      `Port ${port} is held by an earlier launch of this backend that still runs (pid ${pid}, started by supervisor pid ${process.pid}): another copy of the app is running, or an earlier one did not stop; quit it, or end pid ${pid}.`,
    );
    expect(first.supervisor.getStatus().status).toBe('running');
  });

  it.each([
    ['inline', 'a normal output line that only mentions ModuleNotFoundError'],
    ['handled', 'a handled ModuleNotFoundError traceback before another exception ended it'],
  ])('no missing-package hint when the backend ends for another reason (%s: %s)', async (mode) => {
    const run = supervise('healthy.mjs', { command: 'python3', args: [fixture('mentions-import-error.py'), mode] });
    const error = await run.supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CRASHED_DURING_STARTUP' });
    expect(String((error as BackendError).details?.outputTail)).toContain('ModuleNotFoundError');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((error as BackendError).hint).toBeUndefined();
    expect(run.supervisor.getStatus().error?.hint).toBeUndefined();
  });

  it('a failure without evidence gets no hint (never a guess)', async () => {
    const run = supervise('never-listens.mjs', { health: { startupTimeoutMs: 300 } });
    const error = await run.supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.supervisor.getStatus().error?.hint).toBeUndefined();
  });
});
