// Floor for the idle cost: bare Node doing nothing but one health request every 5 s against the same C
// backend, measured over the same window after the same settling time. Prints one JSON line.
// Client "http": node:http (native parser); "undici": undici's request(), the client we use (its
// parser is WebAssembly), to show what the HTTP client alone costs in memory.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const [, , backend, windowMs, port, client = 'http'] = process.argv;
const child = spawn(backend, [], { env: { ...process.env, BACKEND_PORT: port, BACKEND_HOST: '127.0.0.1' }, stdio: 'ignore' });
const url = `http://127.0.0.1:${port}/api/health`;
const undici = client === 'undici' ? await import('undici') : undefined;
const ask = undici
  ? () => undici.request(url).then((response) => response.body.dump(), () => {})
  : () => http.get(url, { agent: false }, (response) => response.resume()).on('error', () => {});
const timer = setInterval(ask, 5_000);
await sleep(300);
await ask(); // the first request loads the client's parser, as the supervisor's first health check does
await sleep(12_000);
const before = process.cpuUsage();
const began = performance.now();
await sleep(Number(windowMs));
const cpu = process.cpuUsage(before);
const wallMs = performance.now() - began;
clearInterval(timer);
child.kill('SIGKILL');
console.log(JSON.stringify({ cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMb: process.memoryUsage().rss / 2 ** 20 }));
