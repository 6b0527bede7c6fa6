import { describe, expect, it } from 'vitest';
import type { Failure } from '../../machines/failure.js';
import { failureHint } from '../../machines/hints.js';
import { oomCounterFile, parseOomKills } from '../../src/diagnose/oom-kills.js';

const linux = { command: '/opt/app/backend', platform: 'linux' };
const exited = (details: NonNullable<Failure['details']>, code: Failure['code'] = 'EXITED_UNEXPECTEDLY'): Failure => ({ code, message: 'm', details });

describe('failureHint (pure rules, evidence only)', () => {
  it('the kernel OOM killer, confirmed by the cgroup counter', () => {
    const failure = exited({ signal: 'SIGKILL', exitCode: null, outputTail: '' });
    expect(failureHint(failure, { ...linux, oomKills: { file: '/sys/fs/cgroup/app/memory.events', before: 2, after: 3 } })).toBe(
      'The out-of-memory killer ended the backend: /sys/fs/cgroup/app/memory.events counted 1 OOM kill(s) since its launch; give it more memory or make it use less.',
    );
    expect(failureHint(failure, { ...linux, oomKills: { file: '/f', before: 3, after: 3 } })).toMatch(/\(\/f counted no OOM kill since its launch, so another program sent it\)/);
  });

  it('a SIGKILL during a stop is ours: no hint', () => {
    expect(failureHint({ code: 'STOP_FAILED', message: 'm', details: { signal: 'SIGKILL' } }, linux)).toBeUndefined();
  });

  it('Windows: a missing DLL by its exit code, signed or not', () => {
    for (const exitCode of [3221225781, -1073741515]) {
      expect(failureHint(exited({ exitCode, signal: null, outputTail: '' }, 'CRASHED_DURING_STARTUP'), { ...linux, platform: 'win32' })).toMatch(/^A DLL the backend needs is missing \(exit code 0xC0000135/);
    }
  });

  it('macOS: dyld names the library', () => {
    const tail = 'dyld[4242]: Library not loaded: @rpath/libtorch.dylib\n  Referenced from: /opt/app/backend';
    expect(failureHint(exited({ exitCode: null, signal: 'SIGABRT', outputTail: tail }, 'CRASHED_DURING_STARTUP'), linux)).toMatch(/^A shared library the backend needs is missing: @rpath\/libtorch\.dylib;/);
  });

  it('Metal out of memory', () => {
    const tail = 'ggml_metal_graph_compute: command buffer 0 failed with status 5\nerror: Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)';
    expect(failureHint(exited({ exitCode: 1, signal: null, outputTail: tail }), linux)).toMatch(/^The GPU ran out of memory \(error: Insufficient Memory/);
  });

  it('a port the supervisor itself may not bind: the netsh command on Windows', () => {
    const failure: Failure = { code: 'PORT_UNAVAILABLE', message: 'm', details: { reason: 'EACCES', port: 50000 } };
    expect(failureHint(failure, { ...linux, platform: 'win32' })).toBe(
      'The system refused the port (EACCES): Windows reserves port ranges (Hyper-V, WinNAT): list them with "netsh interface ipv4 show excludedportrange protocol=tcp" and choose a port outside them.',
    );
  });

  it('STOP_FAILED names the processes that held the stop', () => {
    const failure: Failure = { code: 'STOP_FAILED', message: 'm' };
    const stopBlockers = [{ pid: 42, command: 'python3 worker.py', seconds: 7 }];
    expect(failureHint(failure, { ...linux, stopBlockers })).toBe(
      'Still alive after SIGKILL: 42 python3 worker.py (7 s). A process stuck in the kernel (state D, e.g. a hung network drive) or run by another user cannot be ended by this supervisor.',
    );
  });

  it('RESTART_LIMIT is explained by the failure it gave up on', () => {
    const cause = exited({ exitCode: 1, signal: null, outputTail: "ModuleNotFoundError: No module named 'torch'" }, 'CRASHED_DURING_STARTUP');
    expect(failureHint({ code: 'RESTART_LIMIT', message: 'm', cause }, linux)).toMatch(/^The Python interpreter that ran \(\/opt\/app\/backend\) lacks the app's packages \(No module named 'torch'\)/);
  });

  it('an ENOENT of a command that never ran is not called a quarantine', () => {
    expect(failureHint({ code: 'SPAWN_FAILED', message: 'm', details: { cause: 'ENOENT' } }, linux)).toBeUndefined();
  });

  it('reads the OOM counter of cgroup v2 and v1', () => {
    expect(parseOomKills('low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n')).toBe(1);
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 4\n')).toBe(4);
    expect(oomCounterFile('0::/user.slice/app.scope\n')).toEqual(['/sys/fs/cgroup/user.slice/app.scope/memory.events']);
    expect(oomCounterFile('4:memory:/process_api/x\n1:cpu:/\n')).toEqual(['/sys/fs/cgroup/memory/process_api/x/memory.oom_control']);
  });
});

describe('failureHint with hostile output', () => {
  it('quotes no control characters and at most 120 characters of what the backend printed', () => {
    const tail = `\u001b[2J\u001b]0;pwned\u0007CUDA out of memory ${'A'.repeat(5_000)}\u0000`;
    const hint = failureHint({ code: 'EXITED_UNEXPECTEDLY', message: 'm', details: { exitCode: 1, signal: null, outputTail: tail } }, { command: 'x', platform: 'linux' }) ?? '';
    expect(hint).toMatch(/^The GPU ran out of memory \(\[2J ]0;pwned CUDA out of memory A+…\)/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them
    expect(hint).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(hint.length).toBeLessThan(300);
  });
});
