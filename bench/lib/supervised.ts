import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendStatusInfo, type BackendSupervisorOptions, createBackendSupervisor } from '../../src/index.js';
import { tinyBackend } from './fixture.js';
import { epochMs } from './stats.js';

let nextPort = 41_000;
/** A fresh port block per supervisor: runs never wait for a port to be released. */
export function freshPorts(size = 5): { base: number; attempts: number } {
  const base = nextPort;
  nextPort += size;
  if (nextPort > 60_000) nextPort = 41_000;
  return { base, attempts: size };
}

/** A supervisor of the C fixture that records when each status was delivered (epoch ms). */
export function superviseTiny(env: Record<string, string>, options: Partial<BackendSupervisorOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bl-bench-'));
  const supervisor = createBackendSupervisor({
    command: tinyBackend,
    port: freshPorts(),
    logDir: join(dir, 'logs'),
    stateDir: join(dir, 'state'),
    restart: { maxRestarts: 0 },
    ...options,
    env,
  });
  const seen: { at: number; status: BackendStatusInfo }[] = [];
  supervisor.subscribe((status) => seen.push({ at: epochMs(), status }));
  const firstAt = (predicate: (s: BackendStatusInfo) => boolean) => seen.find((entry) => predicate(entry.status))?.at;
  const logFile = () => supervisor.actor.getSnapshot().context.logFile;
  return { supervisor, seen, firstAt, logFile };
}
