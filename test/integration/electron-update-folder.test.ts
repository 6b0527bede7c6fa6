// The update gate proves, before the installer runs, that nothing of the app still holds a file under
// the folder the installer replaces (a Windows installer fails on a locked image), with real processes
// run from a real folder (the Wine lane repeats the image case with node.exe).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { folderHolders } from '../../src/diagnose/folder-holders.js';
import { installUpdateAfterStop } from '../../src/electron/main.js';
import { markerEnv, nextStatus, supervise, tempDir } from '../helpers/supervisor.js';

/** A folder laid out like an installed app: the backend's interpreter inside it (here: a link to node). */
function appFolder(): { folder: string; node: string } {
  const folder = join(tempDir('app'), 'My App');
  mkdirSync(folder, { recursive: true });
  const node = join(folder, 'node');
  symlinkSync(process.execPath, node);
  return { folder, node };
}

/** A process of the app that is not the backend and outlives its stop (a helper the app started itself). */
function straggler(node: string, folder: string, exitAfterMs?: number): ChildProcess {
  const code = exitAfterMs === undefined ? 'setInterval(() => {}, 1000)' : `setTimeout(() => {}, ${exitAfterMs})`;
  const child = spawn(node, ['-e', code], { cwd: folder, stdio: 'ignore', env: { ...process.env, ...markerEnv } });
  // the leak check runs before onTestFinished: a failing test kills it here too, the test itself ends it with ended()
  onTestFinished(() => void child.kill('SIGKILL'));
  return child;
}

/** Ends the straggler and waits until it is gone. */
async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exit;
}

const started = (child: ChildProcess) => new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));

describe('installUpdateAfterStop: nothing of the app holds the folder the installer replaces', () => {
  it('a backend run from the app folder is gone, and its files free, before install() runs', async () => {
    const { folder, node } = appFolder();
    const { supervisor } = supervise('healthy.mjs', { command: node, cwd: folder });
    await supervisor.start();
    expect((await folderHolders(folder)).map((holder) => holder.pid)).toContain(supervisor.getStatus().pid);
    const seenAtInstall: unknown[] = [];
    await installUpdateAfterStop(
      supervisor,
      async () => {
        seenAtInstall.push(supervisor.getStatus().status, await folderHolders(folder));
      },
      { appFolder: folder },
    );
    expect(seenAtInstall).toEqual(['stopped', []]);
  });

  it('a process of the app that keeps holding the folder: nothing is installed, the backend comes back, STOP_FAILED names it', async () => {
    const { folder, node } = appFolder();
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const child = straggler(node, folder);
    await started(child);
    let installs = 0;
    const outcome = await installUpdateAfterStop(supervisor, () => installs++, { appFolder: folder, releaseWithinMs: 600 })
      .catch((error: unknown) => error)
      .finally(() => ended(child));
    expect(outcome).toMatchObject({ code: 'STOP_FAILED', details: { pids: String(child.pid) } });
    expect((outcome as Error).message).toContain(`${child.pid} ${node}`);
    expect((outcome as Error).message).toContain(`still held files under ${folder}`);
    expect(installs).toBe(0);
    await nextStatus(supervisor, (status) => status.status === 'running');
  });

  it('a holder that lets go within releaseWithinMs is waited for, then the install runs', async () => {
    const { folder, node } = appFolder();
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const child = straggler(node, folder, 700);
    await started(child);
    let installs = 0;
    await installUpdateAfterStop(supervisor, () => installs++, { appFolder: folder, releaseWithinMs: 10_000 }).finally(() => ended(child));
    expect(installs).toBe(1);
    // it ended by itself (ended() would have killed a holder the install did not wait for)
    expect([child.exitCode, child.signalCode]).toEqual([0, null]);
    expect(supervisor.getStatus().status).toBe('stopped');
  });

  it('refuses options that cannot name a folder or a wait, before it stops anything', async () => {
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    await expect(installUpdateAfterStop(supervisor, () => {}, { appFolder: 'a\0b' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: 'Invalid option "appFolder": expected the path of the folder the installer replaces, or false, got "a\\u0000b"' });
    await expect(installUpdateAfterStop(supervisor, () => {}, { releaseWithinMs: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(supervisor.getStatus().status).toBe('running');
  });

  it('a folder that is missing or relative is refused before anything is stopped (the gate was skipped and the install ran)', async () => {
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const missing = join(tempDir('gone'), 'My App');
    let installs = 0;
    const logged: string[] = [];
    const log = (line: string) => logged.push(line);
    await expect(installUpdateAfterStop(supervisor, () => installs++, { appFolder: missing, log })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: `Invalid option "appFolder": ${missing} is not a folder (ENOENT); name the folder the installer replaces, or false`,
    });
    await expect(installUpdateAfterStop(supervisor, () => installs++, { appFolder: 'resources', log })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'Invalid option "appFolder": expected an absolute path (the folder the installer replaces), or false, got "resources"',
    });
    expect(installs).toBe(0);
    expect(logged).toEqual([]);
    expect(supervisor.getStatus().status).toBe('running');
  });

  it('ps (macOS): a folder named through a symbolic link still finds the program run by that name', async () => {
    const { folder, node } = appFolder();
    const link = join(tempDir('app-link'), 'My App');
    symlinkSync(folder, link);
    const child = straggler(join(link, 'node'), link);
    await started(child);
    try {
      expect((await folderHolders(link, 'ps')).map((holder) => holder.pid)).toContain(child.pid);
      const direct = straggler(node, folder);
      await started(direct);
      expect((await folderHolders(link, 'ps')).map((holder) => holder.pid)).toContain(direct.pid);
      await ended(direct);
    } finally {
      await ended(child);
    }
  });

  it.skipIf(process.platform !== 'linux')('a held file with terminal controls in its name is named without them', async () => {
    const { folder } = appFolder();
    const hostile = join(folder, 'data\u001b[2J\u0007\nfake line.db');
    writeFileSync(hostile, '');
    // the holder's program and working directory lie outside the folder: only the open file holds it
    const child = spawn(process.execPath, ['-e', `require('node:fs').openSync(${JSON.stringify(hostile)}, 'r'); setInterval(() => {}, 1000)`], { cwd: tempDir('outside'), stdio: 'ignore', env: { ...process.env, ...markerEnv } });
    onTestFinished(() => void child.kill('SIGKILL'));
    await started(child);
    try {
      let holders: Awaited<ReturnType<typeof folderHolders>> = [];
      for (let tries = 0; tries < 100 && !holders.some((holder) => holder.pid === child.pid); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        holders = await folderHolders(folder, 'linux');
      }
      const held = holders.find((holder) => holder.pid === child.pid);
      expect(held?.file).toBe(join(folder, 'data [2J fake line.db'));
    } finally {
      await ended(child);
    }
  });
});
