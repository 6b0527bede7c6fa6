import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { defaultFolders } from '../../src/disk/default-dirs.js';
import { createBackendSupervisor } from '../../src/index.js';
import { canCreateUsers, createSecondUser, removeSecondUser, type SecondUser, warnSkippedSecondUser } from '../helpers/second-user.js';
import { cliPath } from '../helpers/cli.js';
import { portRange, stopAfterTest, supervise, tempDir, testOptions } from '../helpers/supervisor.js';

const uid = process.getuid?.() as number;
const savedEnv = { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A supervisor of the healthy fixture with the default folders (no logDir, no stateDir). */
function superviseWithDefaults() {
  const { logDir: _logs, stateDir: _state, ...options } = testOptions('healthy.mjs', tempDir('defaults'));
  const supervisor = createBackendSupervisor(options);
  stopAfterTest(supervisor);
  return supervisor;
}

describe.skipIf(process.platform === 'win32')('default folders: per user, where no one else can create them', () => {
  it('$XDG_RUNTIME_DIR when it is set and private, else the cache folder under a home of ours', () => {
    const runtime = tempDir('runtime');
    chmodSync(runtime, 0o700);
    const home = tempDir('home');
    process.env.HOME = home;
    delete process.env.XDG_CACHE_HOME;
    expect(defaultFolders({ XDG_RUNTIME_DIR: runtime })).toEqual({ logDir: join(runtime, 'backend-lifecycle', 'logs'), stateDir: join(runtime, 'backend-lifecycle', 'state'), source: 'runtime' });
    // a runtime folder others may enter is not taken (nor a relative one)
    chmodSync(runtime, 0o755);
    expect(defaultFolders({ XDG_RUNTIME_DIR: runtime }).stateDir).toBe(join(home, '.cache', 'backend-lifecycle', 'state'));
    expect(defaultFolders({ XDG_RUNTIME_DIR: 'run/user' }).source).toBe('cache');
    expect(defaultFolders({ XDG_CACHE_HOME: join(home, 'c') }).logDir).toBe(join(home, 'c', 'backend-lifecycle', 'logs'));
  });

  it('a home that is not ours: a fresh private folder in the temp directory, and a warning that says so', () => {
    const temp = tempDir('tmp');
    process.env.TMPDIR = temp;
    process.env.HOME = '/';
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const folders = defaultFolders({});
      expect(folders.source).toBe(uid === 0 ? 'cache' : 'fresh');
      if (uid === 0) return; // root owns "/": its cache folder is /.cache
      expect(folders.logDir.startsWith(join(temp, `backend-lifecycle-${uid}-`))).toBe(true);
      expect(statSync(join(folders.logDir, '..')).mode & 0o777).toBe(0o700);
      expect(String(warn.mock.calls[0]?.[0])).toContain('fresh private folder');
    } finally {
      warn.mockRestore();
    }
  });

  it('a supervisor with the defaults writes its logs and lock under the user cache folder, not the shared temp folder', async () => {
    const home = tempDir('home');
    process.env.HOME = home;
    delete process.env.XDG_RUNTIME_DIR;
    delete process.env.XDG_CACHE_HOME;
    const supervisor = superviseWithDefaults();
    await supervisor.start();
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    expect(logFile.startsWith(join(home, '.cache', 'backend-lifecycle', 'logs'))).toBe(true);
    expect(readdirSync(join(home, '.cache', 'backend-lifecycle', 'state')).some((file) => file.endsWith('.lock.json'))).toBe(true);
    expect(statSync(join(home, '.cache', 'backend-lifecycle')).mode & 0o777).toBe(0o700);
    await supervisor.stop();
  });
});

describe.skipIf(process.platform === 'win32')('the folder checked is the folder used', () => {
  it('logDir and stateDir given through a link: the log, the lock and the tail use the real folder that was checked', async () => {
    const dir = tempDir('linked');
    const real = join(dir, 'real');
    mkdirSync(join(real, 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(real, 'state'), { recursive: true, mode: 0o700 });
    const link = join(dir, 'link');
    symlinkSync(real, link);
    const { supervisor } = supervise('healthy.mjs', { logDir: join(link, 'logs'), stateDir: join(link, 'state') });
    await supervisor.start();
    const logFile = supervisor.actor.getSnapshot().context.logFile as string;
    expect(logFile.startsWith(`${realpathSync(real)}/logs/`)).toBe(true);
    // flipping the link now changes nothing for this launch: its files were opened through the real path
    const other = join(dir, 'other');
    mkdirSync(join(other, 'state'), { recursive: true, mode: 0o700 });
    rmSync(link);
    symlinkSync(other, link);
    await supervisor.stop();
    expect(readdirSync(join(real, 'state'))).toEqual([]);
    expect(readdirSync(join(other, 'state'))).toEqual([]);
  });
});

warnSkippedSecondUser('the default folders and links against a second user');
describe.skipIf(!canCreateUsers)('folders against a second local user (root creates and removes one)', () => {
  let attacker: SecondUser | undefined;
  let shared: string;
  beforeAll(async () => {
    attacker = await createSecondUser();
    // a folder like /tmp: everyone may create, only the owner may remove (sticky)
    shared = mkdtempSync(join(tmpdir(), 'bl-folders-shared-'));
    chmodSync(shared, 0o1777);
  });
  afterAll(async () => {
    rmSync(shared, { recursive: true, force: true });
    await removeSecondUser(attacker);
  });

  it('the attacker creating the old predictable folder first no longer stops our starts', async () => {
    process.env.TMPDIR = shared;
    process.env.HOME = tempDir('victim-home');
    delete process.env.XDG_RUNTIME_DIR;
    delete process.env.XDG_CACHE_HOME;
    await attacker?.sh(`umask 000; mkdir -p '${shared}/backend-lifecycle-${uid}/logs' '${shared}/backend-lifecycle-${uid}/state'`);
    expect(statSync(join(shared, `backend-lifecycle-${uid}`)).uid).toBe(attacker?.uid);
    const supervisor = superviseWithDefaults();
    expect((await supervisor.start()).status).toBe('running');
    expect(readdirSync(join(shared, `backend-lifecycle-${uid}`, 'logs'))).toEqual([]);
    await supervisor.stop();
  });

  it('a user whose cache folder cannot be made (a read-only home; a ~/.cache that sudo left to root) gets a fresh private folder and a warning, not INVALID_OPTIONS on every start', async () => {
    const user = attacker as SecondUser; // here the second user is the one who runs the CLI
    for (const setup of ['read-only home', 'root-owned cache'] as const) {
      const home = mkdtempSync(join(tmpdir(), 'bl-folders-home-'));
      try {
        chmodSync(home, 0o755);
        if (setup === 'root-owned cache') mkdirSync(join(home, '.cache'), { mode: 0o755 }); // root's, like sudo leaves it
        chownSync(home, user.uid, user.gid);
        if (setup === 'read-only home') chmodSync(home, 0o555);
        const { base, attempts } = portRange();
        // a backend that ends at once: its launch log says where the folders went
        const output = await user.sh(
          `cd / && unset XDG_RUNTIME_DIR XDG_CACHE_HOME; '${process.execPath}' '${cliPath}' run --json --port-base ${base} --port-attempts ${attempts} -- '${process.execPath}' -e 'process.exit(0)' 2>&1; echo "exit=$?"`,
          { HOME: home, TMPDIR: shared },
        );
        const outcome = JSON.parse(output.split('\n').filter((line) => line.startsWith('{')).at(-1) ?? '{}') as { error?: { code?: string; logFile?: string } };
        expect(outcome.error?.code, `${setup}: ${output}`).toBe('CRASHED_DURING_STARTUP');
        expect(outcome.error?.logFile?.startsWith(join(shared, `backend-lifecycle-${user.uid}-`)), output).toBe(true);
        expect(output).toContain('so logs and lockfiles go to a fresh private folder');
        expect(output).toContain(`uid ${user.uid} cannot create or use ${join(home, '.cache', 'backend-lifecycle')}`);
        expect(output).toContain('exit=1');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });

  it('one fresh folder per process: `up` with several services under a read-only home makes one folder and says so once', async () => {
    const user = attacker as SecondUser;
    const home = mkdtempSync(join(tmpdir(), 'bl-folders-home-'));
    const temp = mkdtempSync(join(tmpdir(), 'bl-folders-temp-'));
    try {
      chmodSync(temp, 0o1777);
      chownSync(home, user.uid, user.gid);
      chmodSync(home, 0o555);
      const service = () => ({ command: process.execPath, args: ['-e', 'process.exit(0)'], port: portRange(), restart: { maxRestarts: 0 } });
      const file = join(home, '..', `${home.split('/').at(-1)}.json`);
      writeFileSync(file, JSON.stringify({ services: { a: service(), b: service(), c: service() } }), { mode: 0o644 });
      onTestFinished(() => rmSync(file, { force: true }));
      const output = await user.sh(`cd / && unset XDG_RUNTIME_DIR XDG_CACHE_HOME; '${process.execPath}' '${cliPath}' up --json '${file}' 2>&1; echo "exit=$?"`, { HOME: home, TMPDIR: temp });
      expect(output.match(/so logs and lockfiles go to a fresh private folder/g)?.length, output).toBe(1);
      expect(readdirSync(temp).filter((name) => name.startsWith(`backend-lifecycle-${user.uid}-`))).toHaveLength(1);
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it('a path through a link the attacker owns is refused, naming the link and its owner, even when it points at our own folder', async () => {
    const ours = tempDir('victim');
    mkdirSync(join(ours, 'logs'), { mode: 0o700 });
    const link = join(shared, 'app');
    await attacker?.sh(`ln -s '${ours}' '${link}'`);
    expect(lstatSync(link).uid).toBe(attacker?.uid);
    const { supervisor } = supervise('healthy.mjs', { logDir: join(link, 'logs') });
    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringContaining(`${join(link, 'logs')} is not safe to use: it passes through ${link}, a symbolic link that belongs to uid ${attacker?.uid}, not to you (uid ${uid})`),
    });
    expect(readdirSync(join(ours, 'logs'))).toEqual([]);
    // refused before anything is created through the link
    const deeper = supervise('healthy.mjs', { logDir: join(link, 'new', 'logs') }).supervisor;
    await expect(deeper.start()).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(existsSync(join(ours, 'new'))).toBe(false);
  });
});
