// The Windows lane: run by the Windows build of Node (under Wine here, or on Windows itself) in a
// project that installed the packed package. Each case drives the public API end to end and
// checks what a user would: the backend's whole tree is gone, its port is free. Results go to a
// file (under Wine, node.exe cannot write to a Linux pipe): argv[2] gets JSON, argv[3] a log.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createBackendSupervisor } from 'backend-lifecycle';
import { depthCases } from './depth-cases.mjs';
import { forensicsCases } from './forensics-cases.mjs';

const [resultsFile, logFile] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, 'work');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const log = (line) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

const results = [];
const everyPid = new Set(); // whatever a case started: ended at the end whatever happened
const supervisors = [];
let portBase = 39400;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
const portFree = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
async function until(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
const readPids = (file) => {
  const pids = JSON.parse(readFileSync(file, 'utf8'));
  everyPid.add(pids.backend);
  everyPid.add(pids.child);
  return pids;
};

function options(name, extra = {}) {
  portBase += 10;
  const pidsFile = join(work, `${name}.pids.json`);
  return {
    command: process.execPath,
    args: [join(here, 'backend.mjs')],
    name,
    stateDir: join(work, 'state'),
    logDir: join(work, 'logs'),
    port: { base: portBase, attempts: 10 },
    health: { startupTimeoutMs: 30_000 },
    shutdown: { graceMs: 3_000 },
    restart: { initialDelayMs: 100 },
    ...extra,
    env: { FIXTURE_PIDS_FILE: pidsFile, FIXTURE_NODE: process.execPath, ...extra.env },
  };
}
const supervise = (opts) => {
  const supervisor = createBackendSupervisor(opts);
  supervisors.push(supervisor);
  return supervisor;
};

/** Stops the tree, then checks that the backend, its child and the port are gone. */
async function stopAndCheck(supervisor, pids) {
  const port = supervisor.getPort();
  const stopped = await supervisor.stop();
  expect(stopped.status === 'stopped', `stop() resolved with ${stopped.status}`);
  expect(!alive(pids.backend), `backend ${pids.backend} still runs after stop()`);
  await until(() => !alive(pids.child), 5_000, `the backend's child ${pids.child} to be gone`);
  expect(await portFree(port), `port ${port} still taken after stop()`);
}

/** Starts a supervisor with these options, then times a checked stop. */
async function timedStop(opts) {
  const supervisor = supervise(opts);
  await supervisor.start();
  const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
  const started = Date.now();
  await stopAndCheck(supervisor, pids);
  return Date.now() - started;
}

/** Every launch log of the supervisor called `name`, as one text. */
const logsOf = (name) =>
  readdirSync(join(work, 'logs'))
    .filter((file) => file.startsWith(`${name}-`))
    .map((file) => readFileSync(join(work, 'logs', file), 'utf8'))
    .join('');

/** A supervisor in a process of its own (supervise.mjs), once its backend runs: its process and the backend's pids. */
async function superviseInChild(opts, then, env = process.env) {
  const statusFile = join(work, `${opts.name}.status.json`);
  const child = spawn(process.execPath, [join(here, 'supervise.mjs'), statusFile, JSON.stringify(opts), ...(then ? [then] : [])], { stdio: 'ignore', windowsHide: true, env });
  everyPid.add(child.pid);
  await until(() => existsSync(statusFile), 90_000, 'the child supervisor to start its backend');
  return { child, pids: readPids(opts.env.FIXTURE_PIDS_FILE) };
}

const noJob = { ...process.env, BACKEND_LIFECYCLE_NO_JOB: '1' };

const cases = {
  async 'start, health, stop: the whole tree is gone and the port free'() {
    const opts = options('tree');
    const supervisor = supervise(opts);
    const status = await supervisor.start();
    expect(status.status === 'running' && status.port >= portBase, `start() gave ${JSON.stringify(status)}`);
    const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
    expect(alive(pids.child), 'the fixture did not start its child');
    const answer = await new Promise((resolve, reject) => get(`${supervisor.getBaseUrl()}/api/health`, resolve).once('error', reject));
    answer.resume();
    expect(answer.statusCode === 200, `health answered ${answer.statusCode}`);
    await stopAndCheck(supervisor, pids);
    const logText = logsOf('tree');
    expect(logText.includes('backend notified READY=1'), 'READY=1 on the notification pipe (fd 3) did not arrive');
    expect(logText.includes(`listening on 127.0.0.1:${status.port}`), "the backend's output did not reach the launch log");
    return `backend ${pids.backend} and child ${pids.child} ended, port ${status.port} free; READY=1 and output arrived`;
  },

  async 'a crash is restarted, and the crashed tree does not linger'() {
    const opts = options('crash', { env: { FIXTURE_CRASH_ONCE: join(work, 'crashed-once') } });
    const supervisor = supervise(opts);
    // the statuses in the lane log: a restart that does not come says where it stopped
    supervisor.subscribe((status) => log(`  status ${status.status} ${status.phase ?? ''} ${status.error?.code ?? ''} ${status.error?.message ?? ''}`));
    await supervisor.start();
    const first = readPids(opts.env.FIXTURE_PIDS_FILE);
    // the new backend may be writing the file as it is read: a half-written file is no relaunch yet
    const relaunched = () => {
      try {
        return JSON.parse(readFileSync(opts.env.FIXTURE_PIDS_FILE, 'utf8')).backend !== first.backend;
      } catch {
        return false;
      }
    };
    await until(() => relaunched() && supervisor.getStatus().status === 'running', 60_000, 'the restart');
    const second = readPids(opts.env.FIXTURE_PIDS_FILE);
    await until(() => !alive(first.child), 5_000, `the crashed backend's child ${first.child} to be ended`);
    await stopAndCheck(supervisor, second);
    return `crashed ${first.backend} → restarted as ${second.backend}; the crashed one's child ${first.child} was ended`;
  },

  async 'a missing command is SPAWN_FAILED naming it, and nothing runs'() {
    const supervisor = supervise(options('missing', { command: 'no-such-backend-command' }));
    const error = await supervisor.start().then(
      () => undefined,
      (failure) => failure,
    );
    expect(error?.code === 'SPAWN_FAILED', `start() gave ${error?.code ?? 'success'}`);
    expect(error.message.includes('"no-such-backend-command"'), `the message does not name the command: ${error.message}`);
    expect(supervisor.getStatus().status === 'error', `status is ${supervisor.getStatus().status}`);
    return error.message;
  },

  async 'a .cmd launcher starts (through cmd.exe, found by execa) and its tree is ended'() {
    const opts = options('launcher', { command: join(here, 'backend.cmd'), args: [] });
    const supervisor = supervise(opts);
    const status = await supervisor.start();
    const pids = readPids(opts.env.FIXTURE_PIDS_FILE);
    expect(status.pid !== pids.backend, 'the launcher was not in between');
    await stopAndCheck(supervisor, pids);
    expect(!alive(status.pid), `the launcher ${status.pid} still runs`);
    return `cmd.exe ${status.pid} → node ${pids.backend} → child ${pids.child}, all ended`;
  },

  async 'the graceful stop request lets the backend clean up before any termination'() {
    const marker = join(work, 'stopped-cleanly');
    const took = await timedStop(options('graceful', { shutdown: { graceMs: 10_000, request: { path: '/api/shutdown' } }, env: { FIXTURE_STOP_MARKER: marker } }));
    expect(existsSync(marker), 'the backend never ran its clean-up: it was terminated');
    expect(took < 10_000, `the stop took ${took} ms: the grace period ran out instead of the backend exiting`);
    expect(logsOf('graceful').includes('stop request accepted'), 'the log lacks the backend\'s own line');
    return `clean exit after the request in ${took} ms (grace 10000 ms)`;
  },

  async 'without a stop request, stop() terminates the tree at once'() {
    const took = await timedStop(options('no-request', { shutdown: { graceMs: 10_000 } }));
    expect(took < 10_000, `the stop took ${took} ms: it waited out the grace period for a signal Windows does not have`);
    return `tree ended in ${took} ms`;
  },

  // without a Job Object (koffi missing, or a job that cannot be made): with one, nothing outlives the supervisor
  async 'without a Job Object, a force-quit supervisor leaves an orphan that the next start reaps'() {
    const { child, pids: orphan } = await superviseInChild(options('orphan', { guard: false }), undefined, noJob);
    child.kill(); // TerminateProcess: no exit handler runs
    await until(() => !alive(child.pid), 5_000, 'the supervisor to die');
    await sleep(300);
    expect(alive(orphan.backend), 'the backend died with its supervisor: nothing to reap (is it detached?)');
    const next = supervise(options('orphan', { guard: false }));
    await next.start();
    expect(!alive(orphan.backend), `the orphan ${orphan.backend} still runs after the next start`);
    await until(() => !alive(orphan.child), 5_000, `the orphan's child ${orphan.child} to be reaped`);
    await stopAndCheck(next, readPids(join(work, 'orphan.pids.json')));
    return `orphan ${orphan.backend} (child ${orphan.child}) reaped by the next start`;
  },

  async 'without a Job Object, the guard ends the tree when the supervisor is terminated'() {
    const { child, pids } = await superviseInChild(options('guarded', { guard: true }), undefined, noJob);
    child.kill();
    await until(() => !alive(pids.backend) && !alive(pids.child), 30_000, 'the guard to end the tree');
    return `backend ${pids.backend} and child ${pids.child} ended by the guard`;
  },

  async 'without a Job Object, process.exit() in the supervisor ends the tree (exit hook)'() {
    const { child, pids } = await superviseInChild(options('exit-hook', { guard: false }), 'exit', noJob);
    await until(() => !alive(child.pid), 30_000, 'the child supervisor to exit');
    await until(() => !alive(pids.backend) && !alive(pids.child), 30_000, 'the exit hook to end the tree');
    return `backend ${pids.backend} and child ${pids.child} ended as the supervisor exited`;
  },
};

Object.assign(cases, depthCases({ here, work, options, supervise, readPids, alive, portFree, until, expect, stopAndCheck, everyPid, logsOf }));
Object.assign(cases, forensicsCases({ here, work, options, supervise, readPids, alive, until, expect, everyPid }));

// Wine's CreateProcess now and then fails a spawn that works a moment later, which libuv reports as
// UNKNOWN (seen once in about ten lane runs). Under Wine only, such a case is
// run once more and its line says so; any other failure, or a second one, fails the lane.
const wineSpawnHiccup = (error) => Boolean(process.env.WINEPREFIX) && error?.code === 'SPAWN_FAILED' && /: UNKNOWN\. Log: /.test(error?.message ?? '');
// generous: the lane shares a small machine with other test runs, and Wine starts processes slowly
const within90s = (run) => Promise.race([run(), sleep(240_000).then(() => Promise.reject(new Error('case timed out after 240 s')))]);

const only = process.env.WINDOWS_LANE_ONLY;
// the process table (pid → image name and parent), read after each case: a process left at the end is
// traced to the case after which it first appeared, and to its parent
const familyTable = () => {
  const rows = new Map();
  const text = spawnSync('wmic', ['process', 'get', 'Name,ParentProcessId,ProcessId'], { encoding: 'utf16le', timeout: 20_000 }).stdout ?? '';
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const match = /^(\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line.trim());
    if (match) rows.set(Number(match[3]), { name: match[1], parent: Number(match[2]) });
  }
  return rows;
};
// Windows recycles pids at once (Wine too): a pid we started may now be someone else's. So what a
// case left behind is found by image: every node.exe or cmd.exe but this one
const leftovers = (table) => [...table].filter(([pid, { name }]) => /^(node|cmd)\.exe$/i.test(name) && pid !== process.pid);
const firstSeenAfter = new Map(); // pid → "case (parent: name pid)"
// the first table is read after the first case: a fresh prefix's first wmic once hung here for minutes
// (each read is bounded by its timeout, which closes the pipe a service it started may hold)
let lastTable = new Map();
const noteNewProcesses = (caseName) => {
  const now = familyTable();
  if (now.size === 0) return; // wmic gave nothing this time: compare with the last table next time
  for (const [pid, { parent }] of leftovers(now)) {
    if (lastTable.has(pid)) continue;
    const parentRow = now.get(parent) ?? lastTable.get(parent);
    firstSeenAfter.set(pid, `first seen after "${caseName}", parent ${parentRow ? `${parentRow.name} ` : ''}${parent}${parent === process.pid ? ' (the lane)' : ''}`);
  }
  lastTable = now;
};

for (const [name, run] of Object.entries(cases)) {
  // WINDOWS_LANE_ONLY=part|part: only the cases whose name contains one of the parts
  if (only && !only.split('|').some((part) => name.includes(part))) continue;
  const started = Date.now();
  log(`case: ${name}`);
  try {
    const detail = await within90s(run).catch(async (error) => {
      if (!wineSpawnHiccup(error)) throw error;
      log(`  retrying once: Wine's CreateProcess gave UNKNOWN (${error.message})`);
      await sleep(500);
      return `${await within90s(run)} (second try: the first spawn failed with Wine's UNKNOWN)`;
    });
    results.push({ name, ok: true, detail, ms: Date.now() - started });
    log(`  ok (${Date.now() - started} ms): ${detail}`);
  } catch (error) {
    results.push({ name, ok: false, detail: error?.stack ?? String(error), ms: Date.now() - started });
    log(`  FAILED: ${error?.stack ?? error}`);
  }
  noteNewProcesses(name);
}

// nothing may outlive the lane, whatever failed above
const finalStops = await Promise.allSettled(supervisors.map((supervisor) => supervisor.stop()));
noteNewProcesses('the final stops');
finalStops.forEach((outcome, index) => {
  const { status, pid, error } = supervisors[index].getStatus();
  if (outcome.status === 'rejected' || status !== 'stopped') log(`  supervisor ${index} after the final stop: ${status} (pid ${pid ?? '-'}) ${error?.code ?? ''} ${outcome.reason?.message ?? ''}`);
});
// what a leftover is, for the report: its command line, image, parent and birth, as far as Wine's wmic tells them
const describe = (pid) =>
  (spawnSync('wmic', ['process', 'where', `ProcessId=${pid}`, 'get', 'CommandLine,ExecutablePath,ParentProcessId,CreationDate', '/format:list'], { encoding: 'utf16le', timeout: 20_000 }).stdout ?? '')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^\w+=./.test(line))
    .join(', ')
    .slice(0, 400);
// which case's backend or child a pid was, by the history of launches the fixture wrote per case
const pidOwners = new Map();
for (const file of readdirSync(work).filter((name) => name.endsWith('.pids.json.history'))) {
  const name = file.replace('.pids.json.history', '');
  readFileSync(join(work, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .forEach((line, launch) => {
      try {
        const pids = JSON.parse(line);
        pidOwners.set(Number(pids.backend), `launch ${launch + 1} of ${name}'s backend`);
        pidOwners.set(Number(pids.child), `child of launch ${launch + 1} of ${name}'s backend`);
      } catch {}
    });
}
const named = ([pid, { name }]) => `${name} ${pid}`;
let table = familyTable();
const firstSeen = leftovers(table).map((row) => `${named(row)} (${[pidOwners.get(row[0]), firstSeenAfter.get(row[0]), describe(row[0])].filter(Boolean).join(', ') || 'wmic says nothing more'})`);
// a process told to end (a dismissed guard, a killed straggler) may take a moment to go under Wine:
// what is gone within 15 s is reported, not counted as left running
for (let waited = 0; table.size > 0 && leftovers(table).length > 0 && waited < 15_000; waited += 500) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  table = familyTable();
}
const leaked = leftovers(table);
if (firstSeen.length > 0) log(`  right after the cases: ${firstSeen.join('; ')}; still there after 15 s: ${leaked.length > 0 ? leaked.map(named).join(', ') : 'none'}`);
for (const [pid] of leaked) {
  try {
    process.kill(pid);
  } catch {}
}
if (table.size === 0) results.push({ name: 'nothing is left running', ok: false, detail: 'wmic gave no process table to check', ms: 0 });
else if (leaked.length > 0) results.push({ name: 'nothing is left running', ok: false, detail: `still running 15 s after the cases: ${firstSeen.join('; ')}`, ms: 0 });
else {
  const late = firstSeen.length > 0 ? `; gone within 15 s: ${firstSeen.join('; ')}` : '';
  results.push({ name: 'nothing is left running', ok: true, detail: `no node.exe or cmd.exe left of the ${everyPid.size} processes the cases started${late}`, ms: 0 });
}
writeFileSync(resultsFile, JSON.stringify(results, null, 2));
log('done');
process.exit(0);
