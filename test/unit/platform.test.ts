import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProcessPlatform, processPlatform } from '../../src/platform/index.js';
import { linuxProcPlatform } from '../../src/platform/linux-proc.js';
import { posixPsPlatform } from '../../src/platform/posix-ps.js';
import { isRunning } from '../helpers/leaks.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A small process group: a sh leader with a sleeping child, both carrying an instance id. */
async function family(instanceId: string): Promise<{ leader: number; child: number }> {
  const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { detached: true, env: { ...process.env, BACKEND_INSTANCE_ID: instanceId }, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(leader.pid as number);
  const child = await new Promise<number>((resolve) => leader.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  return { leader: leader.pid as number, child };
}

// /proc exists only on Linux; ps everywhere POSIX
const strategies = existsSync('/proc/self/stat') ? [linuxProcPlatform, posixPsPlatform] : [posixPsPlatform];

describe.each(strategies)('the $name process strategy', (strategy) => {
  it('finds a group\'s members, their group, identity and environment, and nothing of a finished process', async () => {
    const instanceId = randomUUID();
    const { leader, child } = await family(instanceId);
    expect((await strategy.groupMembers(leader)).sort()).toEqual([leader, child].sort());
    expect(strategy.processGroupOf(child)).toBe(leader);
    expect(strategy.isAlive(child)).toBe(true);
    expect(await strategy.startTime(leader)).toMatch(/\S/);
    expect(await strategy.startTime(leader)).toBe(await strategy.startTime(leader));
    expect(strategy.envValue(child, 'BACKEND_INSTANCE_ID')).toBe(instanceId);
    expect(strategy.envValue(child, 'NO_SUCH_VARIABLE_HERE')).toBeUndefined();
    expect(strategy.processesOfInstance(instanceId).sort()).toEqual([leader, child].sort());
    expect(strategy.processesOfInstance(randomUUID())).toEqual([]);

    process.kill(-leader, 'SIGKILL');
    const deadline = Date.now() + 2_000;
    while ((isRunning(leader) || isRunning(child)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(strategy.isAlive(child)).toBe(false);
    expect(await strategy.groupMembers(leader)).toEqual([]);
    expect(strategy.processGroupOf(child)).toBeUndefined();
    expect(strategy.processesOfInstance(instanceId)).toEqual([]);
  });

  it('its shell identity check tells our instance from another', async () => {
    const instanceId = randomUUID();
    const { leader } = await family(instanceId);
    const check = (id: string) =>
      new Promise<number | null>((resolve) => spawn('sh', ['-c', `if ${strategy.shellIdentityCheck}; then exit 0; else exit 1; fi`, 'check', String(leader), id]).once('exit', resolve));
    expect(await check(instanceId)).toBe(0);
    expect(await check(randomUUID())).toBe(1);
  });
});

describe.runIf(existsSync('/proc/self/stat'))('the linux-proc scan for an instance (read without blocking)', () => {
  it('finds the family; given the scan taken when the stop began, it reads only the members found then and processes born since', async () => {
    const scanInstance = linuxProcPlatform.scanInstance;
    if (!scanInstance) throw new Error('linux-proc has no scanInstance');
    const instanceId = randomUUID();
    const { leader, child } = await family(instanceId);
    const first = await scanInstance(instanceId);
    expect([...first.members].sort()).toEqual([leader, child].sort());
    expect(first.listed.has(leader)).toBe(true);
    expect(first.listed.has(process.pid)).toBe(false);
    // born after the first scan, in a session of its own (setsid): found by the delta
    const late = await family(instanceId);
    const second = await scanInstance(instanceId, first);
    expect([...second.members].sort()).toEqual([leader, child, late.leader, late.child].sort());
    // a pid listed then without the id is not read again: its environment was fixed at its birth
    const pretendEarlier = { listed: new Set([...first.listed, late.leader, late.child]), members: first.members };
    expect([...(await scanInstance(instanceId, pretendEarlier)).members].sort()).toEqual([leader, child].sort());
    expect((await scanInstance(randomUUID())).members).toEqual([]);
  });

  it('finds the members born while it scans, though a member caught inside its exec shows no environment for a moment', async () => {
    expect(await membersFoundWhileBorn()).toBe(151);
  });

  it('never counts a process as a member by its pid alone: a stranger with an empty environment on a pid a member had is not one', async () => {
    const scanInstance = linuxProcPlatform.scanInstance;
    if (!scanInstance) throw new Error('linux-proc has no scanInstance');
    // as if a member found by the stop's first scan had died and its pid gone to an unrelated `env -i` process
    const stranger = spawn('env', ['-i', 'sleep', '30'], { detached: true, stdio: 'ignore' });
    started.push(stranger.pid as number);
    const pid = stranger.pid as number;
    while (!existsSync(`/proc/${pid}/cmdline`) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')) await new Promise((resolve) => setTimeout(resolve, 5));
    const earlier = { listed: new Set([pid]), members: [pid] };
    expect((await scanInstance(randomUUID(), earlier)).members).toEqual([]);
  });

  it('finds them on a loaded machine too, where an exec outlasts 20 reads of a millisecond', async () => {
    // two busy processes on this 2-core machine: every exec takes longer, as under CI's parallel suites
    const hogs = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { detached: true, stdio: 'ignore' }));
    for (const hog of hogs) started.push(hog.pid as number);
    const found: number[] = [];
    for (let round = 0; round < 3; round++) found.push(await membersFoundWhileBorn());
    expect(found).toEqual([151, 151, 151]);
  }, 60_000);
});

/** 150 members born (and exec'ing) while a stop scans again and again: how many the last scan finds. */
async function membersFoundWhileBorn(): Promise<number> {
  const scanInstance = linuxProcPlatform.scanInstance;
  if (!scanInstance) throw new Error('linux-proc has no scanInstance');
  const instanceId = randomUUID();
  // a stop's first scan can meet a backend still starting its helpers; a pid read as "without the id"
  // is never read again, so one read inside an exec (the kernel shows no environment there) lost that member for good
  let earlier = await scanInstance(instanceId);
  const leader = spawn('sh', ['-c', 'i=0; while [ $i -lt 150 ]; do sleep 30 & i=$((i+1)); done; echo born; wait'], {
    detached: true,
    env: { ...process.env, BACKEND_INSTANCE_ID: instanceId },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(leader.pid as number);
  const born = new Promise<void>((resolve) => leader.stdout?.once('data', () => resolve()));
  let bornYet = false;
  void born.then(() => (bornYet = true));
  while (!bornYet) earlier = await scanInstance(instanceId, earlier);
  const found = (await scanInstance(instanceId, earlier)).members;
  process.kill(-(leader.pid as number), 'SIGKILL');
  return found.length;
}

describe.runIf(process.platform !== 'win32')('choosing the strategy', () => {
  const forced = process.env.BACKEND_LIFECYCLE_PLATFORM;
  afterEach(() => {
    if (forced === undefined) delete process.env.BACKEND_LIFECYCLE_PLATFORM;
    else process.env.BACKEND_LIFECYCLE_PLATFORM = forced;
  });

  it('the ps strategy (which runs ps through execa) loads only when chosen, and says so when asked for before', async () => {
    process.env.BACKEND_LIFECYCLE_PLATFORM = 'proc';
    expect(processPlatform()).toBe(linuxProcPlatform);
    expect(await loadProcessPlatform()).toBe(linuxProcPlatform);
    process.env.BACKEND_LIFECYCLE_PLATFORM = 'ps';
    expect(() => processPlatform()).toThrow('the ps process strategy is not loaded: await loadProcessPlatform() first');
    expect(await loadProcessPlatform()).toBe(posixPsPlatform);
    expect(processPlatform()).toBe(posixPsPlatform);
    process.env.BACKEND_LIFECYCLE_PLATFORM = 'dos';
    await expect(loadProcessPlatform()).rejects.toThrow('BACKEND_LIFECYCLE_PLATFORM');
  });
});
