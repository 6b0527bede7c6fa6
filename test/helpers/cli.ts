import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BackendStatusInfo } from '../../src/index.js';
import { markerEnv, portRange, tempDir } from './supervisor.js';

export const cliPath = join(import.meta.dirname, '../../dist/bundle/cli.js');

/** A CLI run in its own process, its `--json` lines parsed as they arrive. */
export interface CliRun {
  child: ChildProcess;
  /** Parsed `--json` lines; `up` adds the service's name to each. */
  statuses: (BackendStatusInfo & { service?: string })[];
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  waitFor(predicate: (status: BackendStatusInfo & { service?: string }) => boolean): Promise<BackendStatusInfo & { service?: string }>;
}

/** Starts `backend-lifecycle run [--json] [dirs and a private port range] ...args`. */
export function runCli(args: string[], options: { json?: boolean; withDirs?: boolean; dir?: string; env?: Record<string, string> } = {}): CliRun {
  const { json = true, withDirs = true } = options;
  const dir = options.dir ?? tempDir('cli');
  const { base, attempts } = portRange();
  const flags = ['--log-dir', join(dir, 'logs'), '--state-dir', join(dir, 'state'), '--port-base', String(base), '--port-attempts', String(attempts)];
  return spawnCli(['run', ...(json ? ['--json'] : []), ...(withDirs ? flags : []), ...args], { json, env: options.env ?? {} });
}

/**
 * Starts `backend-lifecycle up [--json] ...args <file>` with `env` added to its environment;
 * `fdLimit`: under `ulimit -n` (POSIX sh).
 */
export function runUp(args: string[], options: { json?: boolean; env?: Record<string, string>; fdLimit?: number } = {}): CliRun {
  const { json = true } = options;
  return spawnCli(['up', ...(json ? ['--json'] : []), ...args], { json, env: options.env ?? {}, ...(options.fdLimit ? { fdLimit: options.fdLimit } : {}) });
}

function spawnCli(argv: string[], { json, env = {}, fdLimit }: { json: boolean; env?: Record<string, string>; fdLimit?: number }): CliRun {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
  const command = fdLimit === undefined ? [process.execPath, cliPath, ...argv] : ['sh', '-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, cliPath, ...argv];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { ...process.env, ...markerEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiters = new Set<() => void>();
  const run: CliRun = {
    child,
    statuses: [],
    stdout: [],
    stderr: [],
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    waitFor: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = run.statuses.find(predicate);
          if (!hit) return;
          waiters.delete(check);
          resolve(hit);
        };
        waiters.add(check);
        check();
        void run.exit.then((code) => reject(new Error(`CLI exited with ${code} first; stderr: ${run.stderr.join('')}`)));
      }),
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    run.stdout.push(line);
    if (json) run.statuses.push(JSON.parse(line));
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr?.on('data', (chunk: Buffer) => run.stderr.push(chunk.toString()));
  return run;
}
