// The Windows lane's cases for issue 21 ("Windows, in depth"): batch-file arguments, the event
// loop during start and stop, an unreadable process table, a server its launcher re-parents, the
// Job Object's kill-on-close, Path/PATH and quoted PATH entries, an extensionless POSIX launcher.
import childProcess, { spawn } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The cases, given the lane's helpers (see lane.mjs). */
export function depthCases({ here, work, options, supervise, readPids, alive, until, expect, stopAndCheck, everyPid, logsOf }) {
  const failureOf = (promise) => promise.then(() => undefined, (error) => error);
  // whatever the argument of the case is, these must arrive as they are
  const safeArgs = ['two words', 'say "hi"', 'a^b', 'x&y', 'p|q', '<in>', 'trailing\\', '', '!bang!', 'C:\\dir with space\\'];
  // found attacking the quoting: a backslash before a quote, a lone quote, a tab, a caret at the end, non-ASCII, parentheses
  safeArgs.push('a\\"&echo INJECTED&"', '"', 'tab\there', 'caret^', '(a)&(b)', 'é"&echo INJECTED&"é');
  const injection = (marker) => `my project"&echo INJECTED> ${marker}&rem `;

  /** A supervisor in a process of its own that reports each step (supervise-steps.mjs). */
  async function steps(opts, { env, hold } = {}) {
    const reportFile = join(work, `${opts.name}.steps.json`);
    const child = spawn(process.execPath, [join(here, 'supervise-steps.mjs'), reportFile, JSON.stringify(opts), ...(hold ? ['hold'] : [])], {
      stdio: 'ignore',
      windowsHide: true,
      env: env ?? process.env,
    });
    everyPid.add(child.pid);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // read while the child may be writing it: a half-written file counts as no report yet
    const report = () => {
      try {
        return JSON.parse(readFileSync(reportFile, 'utf8'));
      } catch {
        return undefined;
      }
    };
    return { child, exited, report };
  }

  async function launcherWithArgs(launcher, name) {
    const marker = join(work, `${name}-PWNED.txt`);
    const argvFile = join(work, `${name}.argv.json`);
    const args = [injection(marker), ...safeArgs];
    const opts = options(name, { command: join(here, launcher), args, env: { FIXTURE_ARGV_FILE: argvFile } });
    const supervisor = supervise(opts);
    await supervisor.start();
    const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
    const arrived = JSON.parse(readFileSync(argvFile, 'utf8'));
    await stopAndCheck(supervisor, pids);
    expect(!existsSync(marker), `the argument ran as a command: ${marker} exists`);
    expect(JSON.stringify(arrived) === JSON.stringify(args), `the backend got ${JSON.stringify(arrived)}, not ${JSON.stringify(args)}`);
    return `${args.length} arguments arrived intact through ${launcher}, the injection stayed text`;
  }

  return {
    async 'batch-file arguments: an injection through %* stays text, and spaces, quotes, ^, &, |, <, > arrive intact'() {
      return launcherWithArgs('backend.cmd', 'args-forward');
    },

    async 'batch-file arguments: the same through a launcher that does set ARGS=%* first'() {
      return launcherWithArgs('set-args.cmd', 'args-set');
    },

    async 'batch-file arguments: a line break or % is refused (INVALID_OPTIONS naming it), nothing runs'() {
      const messages = [];
      for (const [bad, why] of [['first\r\necho INJECTED', 'line break'], ['%PATH%', 'contains %']]) {
        const opts = options(`args-refused-${messages.length}`, { command: join(here, 'backend.cmd'), args: ['ok', bad] });
        const supervisor = supervise(opts);
        const error = await failureOf(supervisor.start());
        expect(error?.code === 'INVALID_OPTIONS', `start() gave ${error?.code ?? 'success'}: ${error?.message}`);
        expect(error.message.includes('args[1]') && error.message.includes(why), `the message does not name the argument and why: ${error.message}`);
        expect(!existsSync(opts.env.FIXTURE_PIDS_FILE), 'a backend was started');
        messages.push(error.message);
      }
      return messages.join(' | ');
    },

    async 'start and stop never run a synchronous subprocess, and the longest event-loop block is measured'() {
      // every synchronous subprocess goes through child_process.spawnSync (execaSync too): count them
      let syncRuns = 0;
      const original = childProcess.spawnSync;
      childProcess.spawnSync = (...args) => {
        syncRuns++;
        return original(...args);
      };
      syncBuiltinESMExports();
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      const longest = async (work) => {
        histogram.reset();
        histogram.enable();
        // the histogram records the gap between two of its ticks, and reset() forgets the last one: a block
        // right after it (a spawn() called at once) would not be seen. One tick first.
        await new Promise((resolve) => setTimeout(resolve, 3));
        await work();
        histogram.disable();
        return histogram.max / 1e6;
      };
      try {
        const opts = options('event-loop', { command: join(here, 'backend.cmd'), args: [] });
        const supervisor = supervise(opts);
        // the first start loads execa and koffi (module loading is synchronous); the second is the steady state
        const cold = await longest(() => supervisor.start());
        await stopAndCheck(supervisor, readPids(opts.env.FIXTURE_PIDS_FILE));
        const start = await longest(() => supervisor.start());
        const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
        const stop = await longest(() => stopAndCheck(supervisor, pids));
        // the floor: one CreateProcess, which Node (libuv) makes on the main thread; the strategy starts wmic and taskkill
        let floor = 0;
        for (let round = 0; round < 3; round++) {
          floor = Math.max(floor, await longest(async () => {
            const bare = spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/c', 'exit'], { stdio: 'ignore', windowsHide: true });
            await new Promise((resolve) => bare.once('exit', resolve));
          }));
        }
        const line = `${syncRuns} synchronous subprocesses; longest block: first start ${cold.toFixed(0)} ms (module loading), start ${start.toFixed(0)} ms, stop ${stop.toFixed(0)} ms; Node's own spawn of cmd.exe ${floor.toFixed(0)} ms`;
        writeFileSync(join(work, 'event-loop.txt'), line);
        // before, every table read and taskkill ran with execaSync (about 1 s each here); the blocks that remain
        // are Wine's: libuv's CreateProcess is synchronous, and Wine's takes hundreds of ms on a loaded machine
        expect(syncRuns === 0, line);
        return line;
      } finally {
        childProcess.spawnSync = original;
        syncBuiltinESMExports();
      }
    },

    async 'an unreadable process table (no wmic, no PowerShell) is a status with a code, nothing escapes, nothing is left'() {
      const node = dirname(process.execPath);
      // only node's folder on PATH, no ComSpec, no SystemRoot: neither wmic nor powershell.exe nor cmd.exe can be found
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(path|comspec|systemroot|windir)$/i.test(name)));
      const outcomes = [];
      for (const job of ['job', 'no-job']) {
        const name = `blind-${job}`;
        const opts = options(name, { guard: true });
        const run = await steps(opts, { env: { ...env, PATH: node, ...(job === 'no-job' ? { BACKEND_LIFECYCLE_NO_JOB: '1' } : {}) } });
        await until(() => run.report()?.done || run.report()?.uncaught, 60_000, `${name}: the child supervisor to report`);
        await run.exited;
        const report = run.report();
        expect(!report.uncaught, `${name}: an exception escaped: ${report.uncaught}`);
        const [{ start }, { stop }] = report.steps;
        const pids = existsSync(opts.env.FIXTURE_PIDS_FILE) ? readPids(opts.env.FIXTURE_PIDS_FILE) : undefined;
        if (pids) {
          await until(() => !alive(pids.backend), 5_000, `${name}: backend ${pids.backend} to be ended`);
          if (job === 'job') await until(() => !alive(pids.child), 5_000, `${name}: the backend's child ${pids.child} to be ended`);
        }
        if (job === 'job') expect(start.status === 'running' && stop.status === 'stopped', `${name}: start ${JSON.stringify(start)}, stop ${JSON.stringify(stop)}`);
        else expect(start.code === 'SPAWN_FAILED' && /process table cannot be read/.test(start.message), `${name}: start gave ${JSON.stringify(start)}`);
        outcomes.push(`${job}: start ${start.status ?? start.code}, stop ${stop.status ?? stop.code}`);
        if (pids && job === 'no-job' && alive(pids.child)) outcomes.push(`(its detached child ${pids.child} outlived it: without job and table nothing can see it)`);
      }
      return outcomes.join('; ');
    },

    async 'a server its launcher re-parents (cmd /c start /b) is ended by stop(), and the port is free for the next start'() {
      const opts = options('relaunch', { command: join(here, 'relaunch.cmd'), args: [] });
      const supervisor = supervise(opts);
      await supervisor.start();
      const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
      const port = supervisor.getPort();
      await stopAndCheck(supervisor, pids);
      const again = supervise({ ...opts, port });
      const status = await again.start();
      await stopAndCheck(again, readPids(opts.env.FIXTURE_PIDS_FILE));
      return `server ${pids.backend} (parent gone) and its child ${pids.child} ended; port ${port} taken again by the next start (${status.status})`;
    },

    async 'a force-quit supervisor takes the whole tree with it (Job Object, kill on close), a re-parented server included'() {
      const opts = options('job-close', { guard: false, command: join(here, 'relaunch.cmd'), args: [] });
      const run = await steps(opts, { hold: true });
      await until(() => run.report()?.steps?.length === 1, 60_000, 'the child supervisor to start its backend');
      const [{ start }] = run.report().steps;
      expect(start.status === 'running', `start gave ${JSON.stringify(start)}`);
      const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
      expect(logsOf('job-close').includes('held in a Job Object'), 'the launch log does not say the backend is held in a Job Object');
      run.child.kill(); // TerminateProcess: no exit handler, no guard
      await until(() => !alive(pids.backend) && !alive(pids.child) && !alive(start.pid), 10_000, 'the job to end the tree');
      return `launcher ${start.pid}, server ${pids.backend}, child ${pids.child}: all ended when the supervisor was terminated`;
    },

    async 'PATH as Windows has it: { PATH } replaces an inherited Path, quoted entries are found'() {
      const bin = join(work, 'my backend bin');
      mkdirSync(bin, { recursive: true });
      copyFileSync(join(here, 'backend.cmd'), join(bin, 'lane-backend.cmd'));
      copyFileSync(join(here, 'backend.mjs'), join(bin, 'backend.mjs'));
      const inherited = Object.keys(process.env).find((name) => name.toUpperCase() === 'PATH');
      const outcomes = [];
      for (const [label, env] of [
        ['{ PATH: "<quoted dir>;…" }', { PATH: `"${bin}";${process.env[inherited]}` }],
        ['{ Path: "<dir>" }', { Path: bin }],
        ['{ PATH: "<dir relative to cwd>" }', { PATH: 'work\\my backend bin' }],
      ]) {
        const opts = options(`path-${outcomes.length}`, { command: 'lane-backend', args: [], env });
        const supervisor = supervise(opts);
        const status = await supervisor.start();
        await stopAndCheck(supervisor, readPids(opts.env.FIXTURE_PIDS_FILE));
        outcomes.push(`${label}: ${status.status}`);
      }
      const removed = supervise(options('path-removed', { command: 'lane-backend', args: [], env: { [inherited]: undefined, PATH: undefined, Path: undefined } }));
      const error = await failureOf(removed.start());
      expect(error?.code === 'SPAWN_FAILED', `with PATH removed, start() gave ${error?.code ?? 'success'}`);
      outcomes.push(`PATH removed (inherited as ${inherited}): SPAWN_FAILED`);
      return outcomes.join('; ');
    },

    async 'an extensionless POSIX launcher beside no Windows variant is SPAWN_FAILED, not exit 9009'() {
      const dir = join(work, 'posix-only');
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(here, 'posix-launcher'), join(dir, 'backend'));
      const supervisor = supervise(options('posix-launcher', { command: join(dir, 'backend'), args: [] }));
      const error = await failureOf(supervisor.start());
      expect(error?.code === 'SPAWN_FAILED', `start() gave ${error?.code ?? 'success'}: ${error?.message}`);
      return error.message;
    },
  };
}
