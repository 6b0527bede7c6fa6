// The Windows lane's cases for failure forensics (issue 25): what holds a stop, named while it lasts
// (item 2); the update gate: before the installer runs, no process of the app may still run an image
// from the folder the installer replaces (item 5).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { installUpdateAfterStop } from 'backend-lifecycle/electron/main';

/** The cases, given the lane's helpers (see lane.mjs). */
export function forensicsCases({ here, work, options, supervise, readPids, alive, until, expect, everyPid }) {
  // an installed app's layout: the backend's interpreter is a copy of node.exe inside the app folder
  const appFolder = join(work, 'My App');
  const node = join(appFolder, 'node.exe');
  const prepare = () => {
    mkdirSync(appFolder, { recursive: true });
    copyFileSync(process.execPath, node);
  };
  return {
    async 'stop blockers: while a stop waits, the status names the live processes of the tree'() {
      const opts = options('blockers', { shutdown: { graceMs: 6_000, request: { path: '/api/shutdown' } }, env: { FIXTURE_SLOW_STOP: '1' } });
      const supervisor = supervise(opts);
      await supervisor.start();
      const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
      let named;
      const off = supervisor.subscribe((status) => {
        if (status.status === 'stopping' && /waiting for \d+ process/.test(status.detail ?? '')) named ??= status.detail;
      });
      await supervisor.stop();
      off();
      expect(named?.includes(`${pids.backend} node.exe`) && named.includes(`${pids.child} node.exe`), `the stopping detail said ${JSON.stringify(named)}`);
      await until(() => !alive(pids.backend) && !alive(pids.child), 10_000, 'the tree to be gone');
      return `named while stopping: ${named}`;
    },

    async 'update gate: the backend run from the app folder is gone before install() runs'() {
      prepare();
      const supervisor = supervise(options('update-ok', { command: node, args: [join(here, 'backend.mjs')] }));
      const { pid } = await supervisor.start();
      let sawAtInstall;
      await installUpdateAfterStop(supervisor, () => (sawAtInstall = { status: supervisor.getStatus().status, backendAlive: alive(pid) }), { appFolder });
      expect(sawAtInstall?.status === 'stopped' && sawAtInstall.backendAlive === false, `install() saw ${JSON.stringify(sawAtInstall)}`);
      return `backend ${pid} (image under the app folder) gone when install() ran`;
    },

    async 'update gate: a process still running an image from the app folder blocks the install and the backend comes back'() {
      prepare();
      const opts = options('update-held');
      const supervisor = supervise(opts);
      await supervisor.start();
      const first = readPids(opts.env.FIXTURE_PIDS_FILE);
      const straggler = spawn(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', windowsHide: true });
      everyPid.add(straggler.pid);
      await new Promise((resolve, reject) => straggler.once('spawn', resolve).once('error', reject));
      let installs = 0;
      const outcome = await installUpdateAfterStop(supervisor, () => installs++, { appFolder, releaseWithinMs: 1_000 }).then(
        () => undefined,
        (error) => error,
      );
      const strayGone = new Promise((resolve) => (straggler.exitCode !== null ? resolve() : straggler.once('exit', resolve)));
      straggler.kill();
      await strayGone;
      expect(outcome?.code === 'STOP_FAILED' && outcome.message.includes(String(straggler.pid)), `the gate gave ${outcome?.stack ?? outcome}`);
      expect(installs === 0, 'install() ran although a process held the app folder');
      await until(() => supervisor.getStatus().status === 'running', 60_000, 'the backend to come back');
      const back = readPids(opts.env.FIXTURE_PIDS_FILE);
      // the gate's stop ended the first backend's tree (its images are not under the app folder, so the gate did not
      // look at them); Windows reuses pids at once, so one the new backend took is not the old one
      const firstTree = [first.backend, first.child].filter((pid) => pid !== back.backend && pid !== back.child);
      await until(() => firstTree.every((pid) => !alive(pid)), 10_000, `the first backend's tree (${first.backend}, child ${first.child}) to be gone after the gate's stop`);
      await supervisor.stop();
      await until(() => !alive(back.backend) && !alive(back.child), 10_000, `the tree of the backend that came back (${back.backend}, child ${back.child}) to be gone`);
      return `STOP_FAILED named ${straggler.pid}; nothing installed; the backend came back (${back.backend}) and its tree was ended`;
    },
  };
}
