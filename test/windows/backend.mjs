// The Windows lane's backend: health on BACKEND_PORT, a child process started detached (so that
// only a tree walk can find it: Node's own job object would otherwise end it with us), its pids
// written to FIXTURE_PIDS_FILE. FIXTURE_CRASH_ONCE=<file>: the first launch crashes 300 ms after its first health check.
// FIXTURE_STOP_MARKER=<file>: POST /api/shutdown with the key exits cleanly and writes that file.
// FIXTURE_SLOW_STOP=1: POST /api/shutdown is accepted (202) and nothing happens, so the stop waits its grace period.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';

const { BACKEND_PORT, BACKEND_HOST, BACKEND_INSTANCE_ID, BACKEND_API_KEY, FIXTURE_PIDS_FILE, FIXTURE_CRASH_ONCE, FIXTURE_STOP_MARKER, FIXTURE_ARGV_FILE } = process.env;
// the arguments as they arrived (a .cmd launcher in between must pass them on intact)
if (FIXTURE_ARGV_FILE) writeFileSync(FIXTURE_ARGV_FILE, JSON.stringify(process.argv.slice(2)));

const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', windowsHide: true });
child.unref();
if (FIXTURE_PIDS_FILE) {
  writeFileSync(FIXTURE_PIDS_FILE, JSON.stringify({ backend: process.pid, child: child.pid }));
  // every launch, for the lane's report of what a leftover process was (the file above holds the last one)
  appendFileSync(`${FIXTURE_PIDS_FILE}.history`, `${JSON.stringify({ backend: process.pid, child: child.pid })}\n`);
}

const server = createServer((req, res) => {
  if (req.url === '/api/health') {
    crashOnceAfterHealth();
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend-instance': BACKEND_INSTANCE_ID ?? '' });
    return res.end(JSON.stringify({ status: 'ok', instanceId: BACKEND_INSTANCE_ID }));
  }
  if (req.url === '/api/shutdown' && req.method === 'POST' && process.env.FIXTURE_SLOW_STOP) return res.writeHead(202).end();
  if (req.url === '/api/shutdown' && req.method === 'POST' && FIXTURE_STOP_MARKER) {
    if (req.headers['x-api-key'] !== BACKEND_API_KEY) return res.writeHead(401).end();
    res.writeHead(202).end();
    console.log('stop request accepted: cleaning up');
    writeFileSync(FIXTURE_STOP_MARKER, 'clean');
    try {
      process.kill(child.pid); // a backend that stops cleanly ends its own children
    } catch {}
    server.close(() => process.exit(0));
    server.closeAllConnections();
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(BACKEND_PORT), BACKEND_HOST, () => {
  console.log(`listening on ${BACKEND_HOST}:${BACKEND_PORT}`);
  // the notification pipe: on Windows an extra pipe reaches a Node child as fd 3 too
  if (process.env.BACKEND_NOTIFY_FD) writeSync(Number(process.env.BACKEND_NOTIFY_FD), 'READY=1\n');
});

// the crash comes 300 ms after the first health check answered, so the supervisor saw it running
// (a timer from the launch raced the first health check on a loaded machine: a crash during startup)
let crashScheduled = false;
function crashOnceAfterHealth() {
  if (!FIXTURE_CRASH_ONCE || crashScheduled || existsSync(FIXTURE_CRASH_ONCE)) return;
  crashScheduled = true;
  writeFileSync(FIXTURE_CRASH_ONCE, 'crashed');
  setTimeout(() => {
    console.error('crashing on purpose');
    process.exit(3);
  }, 300);
}
