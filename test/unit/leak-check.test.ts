import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRunning, killAll, processesWithEnv } from '../helpers/leaks.js';

describe('the leak check itself', () => {
  it('finds a process by its environment marker, and not after it is killed', async () => {
    const marker = randomUUID();
    const child = spawn('sleep', ['30'], { env: { ...process.env, LEAK_PROBE: marker }, stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    expect(processesWithEnv('LEAK_PROBE', marker)).toEqual([child.pid]);
    expect(killAll([child.pid as number])).toEqual([child.pid]);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processesWithEnv('LEAK_PROBE', marker)).toEqual([]);
    expect(isRunning(child.pid as number)).toBe(false);
  });
});
