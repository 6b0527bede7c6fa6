import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendStatusInfo, type BackendSupervisorOptions, createBackendSupervisor } from '../../src/index.js';
import { tinyBackend } from './fixture.js';
import { epochMs } from './stats.js';

// Below Linux's ephemeral range (32768-60999): a port in it may be the local end of one of the
// bench's own outgoing connections (health checks, listen probes) at the moment a backend binds it.
// Below the tests' ranges too (21000 and up), so a bench never meets a test run.
const firstPort = 12_000;
const lastPort = 20_000;
let nextPort = firstPort;
/** A fresh port block per supervisor: runs never wait for a port to be released. */
export function freshPorts(size = 5): { base: number; attempts: number } {
  if (nextPort + size > lastPort) nextPort = firstPort;
  const base = nextPort;
  nextPort += size;
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
