import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { epochMs } from './stats.js';

const benchDir = join(import.meta.dirname, '..');
export const tinyBackend = join(benchDir, '.build', 'tiny-backend');

/** Compiles the C benchmark backend (cc is on every machine of this project). */
export function buildTinyBackend(): void {
  mkdirSync(join(benchDir, '.build'), { recursive: true });
  execFileSync('cc', ['-O2', '-o', tinyBackend, join(benchDir, 'fixtures', 'tiny-backend.c')]);
}

/** The fixture's own timestamps ("LISTEN 1700000000000.123"), read from its output or log. */
export function stamps(text: string, what: 'LISTEN' | 'EXIT'): number[] {
  return [...text.matchAll(new RegExp(`^${what} ([0-9.]+)$`, 'gm'))].map((m) => Number(m[1]));
}

export function stampsInLog(logFile: string | undefined, what: 'LISTEN' | 'EXIT'): number[] {
  if (!logFile) throw new Error('no log file');
  return stamps(readFileSync(logFile, 'utf8'), what);
}

/** Starts the fixture without any supervisor, for the baselines. */
export function spawnPlain(port: number, env: Record<string, string>) {
  const child = spawn(tinyBackend, [], { env: { ...process.env, ...env, BACKEND_PORT: String(port), BACKEND_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const listen = new Promise<number>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [at] = stamps(line, 'LISTEN');
      if (at !== undefined) resolve(at);
    });
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(epochMs())));
  return { child, listen, exited, output: () => output };
}
