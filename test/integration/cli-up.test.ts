import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUp } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, portRange, tempDir } from '../helpers/supervisor.js';

/** A system file of fixture services in a fresh folder: `needs` name what each depends on. */
function systemFile(services: Record<string, { needs?: string[]; extra?: Record<string, unknown> }>) {
  const dir = tempDir('up');
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const file = join(dir, 'system.json');
  const config = {
    services: Object.fromEntries(
      Object.entries(services).map(([name, { needs = [], extra = {} }]) => [
        name,
        {
          command: process.execPath,
          args: [fixture('system-service.mjs')],
          dependsOn: needs,
          port: portRange(),
          // relative to the file: the CLI resolves them against its folder
          logDir: 'logs',
          stateDir: 'state',
          shutdown: { graceMs: 1_000 },
          env: { FIXTURE_NAME: name, FIXTURE_EVENTS: events, FIXTURE_NEEDS: needs.join(',') },
          ...extra,
        },
      ]),
    ),
  };
  writeFileSync(file, JSON.stringify(config));
  return { file, dir, events: () => readFileSync(events, 'utf8').trim().split('\n').filter(Boolean) };
}

describe('backend-lifecycle up', () => {
  it('starts a chain in dependency order, --json lines name their service, and Ctrl-C stops it in reverse with nothing left', async () => {
    const { file, dir, events } = systemFile({ web: { needs: ['api'] }, api: { needs: ['db'] }, db: {} });
    const run = runUp([file]);
    await run.waitFor((s) => s.service === 'web' && s.status === 'running');
    const firstRunning = (name: string) => run.statuses.findIndex((s) => s.service === name && s.status === 'running');
    const firstStarting = (name: string) => run.statuses.findIndex((s) => s.service === name && s.status === 'starting');
    // each line of a service that depends on another comes after that one's "running" line
    expect(firstRunning('db')).toBeLessThan(firstStarting('api'));
    expect(firstRunning('api')).toBeLessThan(firstStarting('web'));
    const pids = ['db', 'api', 'web'].map((name) => run.statuses.findLast((s) => s.service === name && s.status === 'running')?.pid as number);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(events().slice(-3)).toEqual(['web stop', 'api stop', 'db stop']);
    const stopped = (name: string) => run.statuses.findIndex((s) => s.service === name && s.status === 'stopped' && s.sequence > 1);
    expect(stopped('web')).toBeLessThan(stopped('api'));
    expect(stopped('api')).toBeLessThan(stopped('db'));
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(run.stderr.join('')).toBe('');
    // logDir "logs" meant next to the file
    expect(readFileSync(join(dir, 'events.log'), 'utf8')).toContain('db start');
    expect(run.statuses.every((s) => typeof s.service === 'string')).toBe(true);
  });

  it('without --json each running line shows its service\'s base URL, as run does', async () => {
    const { file } = systemFile({ db: {} });
    const run = runUp([file], { json: false });
    for (let waited = 0; !run.stdout.some((text) => text.includes('http://')) && waited < 20_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const line = run.stdout.find((text) => text.includes(' running '));
    expect(line).toMatch(/^db {2}. running .*port (\d+).*http:\/\/127\.0\.0\.1:\1$/);
  });

  it('a service that cannot start ends the system: exit 1, one stderr line naming the service, the others stopped', async () => {
    const { file } = systemFile({ db: {}, api: { needs: ['db'], extra: { args: [fixture('crash-on-start.mjs')], restart: { maxRestarts: 0 } } } });
    const run = runUp([file]);
    expect(await run.exit).toBe(1);
    const lines = run.stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend-lifecycle: service "api": CRASHED_DURING_STARTUP: Backend server crashed during startup \(exit code 3; .*\)\. Hint: The Python interpreter that ran .+ Log: \/.+\.log$/);
    expect(run.statuses.findLast((s) => s.service === 'db')?.status).toBe('stopped');
    // the failed service's last line is its outcome: the system's clean-up does not print a later "stopped"
    expect(run.statuses.findLast((s) => s.service === 'api')).toMatchObject({ status: 'error', error: { code: 'CRASHED_DURING_STARTUP' } });
  });

  it('--ui serves one live inspector page per service, each showing that service', async () => {
    const { file } = systemFile({ api: { needs: ['db'] }, db: {} });
    const run = runUp(['--ui', file]);
    await run.waitFor((s) => s.service === 'api' && s.status === 'running');
    const pages: Record<string, URL> = Object.fromEntries(
      [...run.stderr.join('').matchAll(/^backend-lifecycle: inspector for "(\w+)" at (\S+)$/gm)].map((match) => [match[1], new URL(match[2] as string)]),
    );
    expect(Object.keys(pages).sort()).toEqual(['api', 'db']);
    for (const [name, url] of Object.entries(pages)) {
      const status = await fetch(`${url.origin}/api/status?token=${url.searchParams.get('token')}`);
      const running = run.statuses.findLast((s) => s.service === name && s.status === 'running');
      expect(await status.json()).toMatchObject({ status: 'running', port: running?.port, pid: running?.pid });
    }
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('refuses a bad system file before starting anything: exit 2 with the exact cause', async () => {
    const dir = tempDir('up-bad');
    const cases: [string, string][] = [
      ['missing.json', `backend-lifecycle: cannot read the system file ${join(dir, 'missing.json')}: no such file (ENOENT)`],
      ['{"services": ', `backend-lifecycle: the system file ${join(dir, 'bad.json')}:1:14 is not valid JSON: `],
      ['{"service": {}}', `backend-lifecycle: the system file ${join(dir, 'bad.json')} must hold an object with "services"`],
      [
        '{"services": {"a": {"command": "x", "dependsOn": ["b"]}, "b": {"command": "x", "dependsOn": ["a"]}}}',
        'backend-lifecycle: INVALID_OPTIONS: Invalid option "services": dependency cycle: a → b → a',
      ],
      ['{"services": {"a": {"command": "x", "port": "high"}}}', 'backend-lifecycle: INVALID_OPTIONS: Invalid option "services.a.port"'],
      ['{"services": {"db": {"command": "x"}, "db": {"command": "y"}}}', `backend-lifecycle: the system file ${join(dir, 'bad.json')}:1:39: two services are named "db"`],
      [
        '{"services": {"a": {"command": "x", "port": 4100}, "b": {"command": "x", "port": 4100}}}',
        'backend-lifecycle: INVALID_OPTIONS: Invalid option "services.b.port": services "a" and "b" both ask for port 4100',
      ],
      ['{"services": {"a": {"command": "x", "dependsOn": ["db"]}}}', 'backend-lifecycle: INVALID_OPTIONS: Invalid option "services": '],
      // a key JSON.parse keeps as its own, which a plain record would turn into its prototype
      ['{"services": {"__proto__": {"command": "x"}, "a": {"command": "x"}}}', 'backend-lifecycle: INVALID_OPTIONS: Invalid option "services": "__proto__" cannot name a service; rename it'],
      ['{"services": {"a": {"command": "x", "dependsOn": ["toString"]}}}', 'backend-lifecycle: INVALID_OPTIONS: Invalid option "services": service "a" depends on "toString"'],
    ];
    for (const [content, message] of cases) {
      const file = join(dir, content === 'missing.json' ? 'missing.json' : 'bad.json');
      if (content !== 'missing.json') writeFileSync(file, content);
      const run = runUp([file]);
      expect(await run.exit).toBe(2);
      expect(run.stderr.join('')).toContain(message);
      expect(run.stdout).toEqual([]);
    }
  });

  it('reads a YAML file, and refuses a FIFO and a YAML file naming a service twice with exit 2 and the line', async () => {
    const dir = tempDir('up-yaml');
    const fifo = join(dir, 'system.yaml');
    execFileSync('mkfifo', [fifo]);
    // before the fix, reading a FIFO waited for a writer for ever
    const hung = runUp([fifo]);
    expect(await hung.exit).toBe(2);
    expect(hung.stderr.join('')).toContain(`backend-lifecycle: cannot read the system file ${fifo}: a FIFO, not a regular file`);
    const twice = join(dir, 'twice.yaml');
    writeFileSync(twice, 'services:\n  db:\n    command: x\n  db:\n    command: y\n');
    const refused = runUp([twice]);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr.join('')).toContain(`backend-lifecycle: the system file ${twice}:4:3: two services are named "db"`);
    const { file, events } = systemFile({ db: {} });
    const yaml = join(dir, 'one.yaml');
    const [name, service] = Object.entries((JSON.parse(readFileSync(file, 'utf8')) as { services: Record<string, unknown> }).services)[0] as [string, unknown];
    // YAML of the same service, its relative folders now next to the YAML file
    writeFileSync(yaml, `services:\n  ${name}: ${JSON.stringify(service)}\n`);
    const run = runUp([yaml]);
    await run.waitFor((s) => s.status === 'running');
    expect(events()).toContain('db start');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });
});
