import { execFile } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { canCreateUsers, createSecondUser, removeSecondUser, type SecondUser, warnSkippedSecondUser } from '../helpers/second-user.js';
import { fixture, tempDir } from '../helpers/supervisor.js';

/** A run with --inspect-log that should be refused before anything starts: its exit code and stderr. */
async function refusedRun(file: string) {
  const run = runCli(['--inspect-log', file, '--', process.execPath, fixture('healthy.mjs')]);
  // not refused: the backend started, and this test ends it
  const started = await Promise.race([run.exit.then(() => false), run.waitFor((s) => s.status === 'running').then(() => true, () => false)]);
  if (started) run.child.kill('SIGTERM');
  const code = await run.exit;
  return { code, stderr: run.stderr.join(''), statuses: run.statuses };
}

describe('--inspect-log never follows a planted link or writes a file someone else owns', () => {
  it('a symlink at the path is refused, even our own, and its target is left as it was', async () => {
    const dir = tempDir('ilog');
    const target = join(dir, 'bashrc');
    writeFileSync(target, 'alias ls=ls\n', { mode: 0o600 });
    const link = join(dir, 'inspect.jsonl');
    symlinkSync(target, link);
    const { code, stderr, statuses } = await refusedRun(link);
    expect(code).toBe(2);
    expect(stderr).toBe(`backend-lifecycle: cannot write --inspect-log ${link}: it is a symbolic link (owner uid ${process.getuid?.()}, mode 0777); give a path to a regular file\n`);
    expect(statuses).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('alias ls=ls\n');
  });

  it('a FIFO or a second hard link at the path is refused at once (no hang, no write through another name)', async () => {
    const dir = tempDir('ilog');
    const fifo = join(dir, 'fifo.jsonl');
    await promisify(execFile)('mkfifo', [fifo]);
    expect((await refusedRun(fifo)).stderr).toBe(`backend-lifecycle: cannot write --inspect-log ${fifo}: it is not a regular file (owner uid ${process.getuid?.()}, mode 0644)\n`);
    const original = join(dir, 'original');
    writeFileSync(original, 'keep\n', { mode: 0o600 });
    const second = join(dir, 'second.jsonl');
    linkSync(original, second);
    const { code, stderr } = await refusedRun(second);
    expect(code).toBe(2);
    expect(stderr).toBe(`backend-lifecycle: cannot write --inspect-log ${second}: it has 2 hard links (owner uid ${process.getuid?.()}, mode 0600); give a path to a file of its own\n`);
    expect(readFileSync(original, 'utf8')).toBe('keep\n');
  });

  it('a fresh file is created 0600; a file of ours that others could read is made private', async () => {
    const dir = tempDir('ilog');
    const fresh = join(dir, 'fresh.jsonl');
    const run = runCli(['--inspect-log', fresh, '--', process.execPath, fixture('healthy.mjs')]);
    await run.waitFor((s) => s.status === 'running');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const loose = join(dir, 'loose.jsonl');
    writeFileSync(loose, '');
    chmodSync(loose, 0o644);
    const again = runCli(['--inspect-log', loose, '--', process.execPath, fixture('healthy.mjs')]);
    await again.waitFor((s) => s.status === 'running');
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    expect(readFileSync(loose, 'utf8')).toContain('"type":"@xstate.snapshot"');
  });
});

warnSkippedSecondUser('--inspect-log against a second user');
describe.skipIf(!canCreateUsers)('--inspect-log against a second local user (root creates and removes one)', () => {
  let attacker: SecondUser | undefined;
  let shared: string;
  beforeAll(async () => {
    attacker = await createSecondUser();
    // a folder like /tmp: everyone may create, only the owner may remove (sticky)
    shared = mkdtempSync(join(tmpdir(), 'bl-ilog-shared-'));
    chmodSync(shared, 0o1777);
  });
  afterAll(async () => {
    rmSync(shared, { recursive: true, force: true });
    await removeSecondUser(attacker);
  });

  it('a symlink the attacker planted, pointing at the victim\'s file, is refused; nothing is appended to the target', async () => {
    const victimFile = join(tempDir('ilog-victim'), '.bashrc');
    writeFileSync(victimFile, 'export PATH\n', { mode: 0o644 });
    const link = join(shared, 'inspect.jsonl');
    await attacker?.sh(`ln -s '${victimFile}' '${link}'`);
    expect(lstatSync(link).uid).toBe(attacker?.uid);
    const { code, stderr } = await refusedRun(link);
    expect(code).toBe(2);
    expect(stderr).toBe(`backend-lifecycle: cannot write --inspect-log ${link}: it is a symbolic link (owner uid ${attacker?.uid}, mode 0777); give a path to a regular file\n`);
    expect(readFileSync(victimFile, 'utf8')).toBe('export PATH\n');
  });

  it('a 0666 file the attacker planted is refused with its path, owner and mode, and stays empty', async () => {
    const planted = join(shared, 'planted.jsonl');
    await attacker?.sh(`umask 000; : > '${planted}'`);
    expect(statSync(planted).mode & 0o777).toBe(0o666);
    const { code, stderr } = await refusedRun(planted);
    expect(code).toBe(2);
    expect(stderr).toBe(`backend-lifecycle: cannot write --inspect-log ${planted}: it belongs to uid ${attacker?.uid} (mode 0666), not to you (uid ${process.getuid?.()})\n`);
    expect(readFileSync(planted, 'utf8')).toBe('');
  });
});
